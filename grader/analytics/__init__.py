"""What a class's grading run says about the class: common mistakes, score distributions, pass
rates, as a self-contained HTML report (``dlgrade report``) and a terminal summary."""
