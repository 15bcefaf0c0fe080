"""Plausible mistakes in the stability topic: each redefines one function of the reference.

The ``clip_grad_norm_`` mutants are the reference's loop (:data:`_CLIP`) with one line changed,
so each shows exactly one mistake.
"""

_CLIP = '''
    def clip_grad_norm_(params, max_norm):
        if not max_norm > 0:
            raise ValueError(f"max_norm={max_norm!r} must be > 0")
        norm = grad_norm(params)
        if norm > max_norm:
            factor = max_norm / norm
            for p in params:
                if p.grad is not None:
                    p.grad.mul_(factor)
        return norm
'''


def _edit(function: str, template: str, *edits: tuple[str, str]) -> tuple[str, str]:
    """(function, template with each (old, new) replaced); old must occur in the template."""
    for old, new in edits:
        if old not in template:
            raise ValueError(f"_edit(): {old!r} is not in the {function} template")
        template = template.replace(old, new)
    return function, template


MUTANTS = {
    # softplus
    "softplus_log_of_one_plus_exp": ("softplus", '''
        def softplus(x):
            return torch.log(1 + torch.exp(x))
    '''),
    "softplus_log1p_of_exp": ("softplus", '''
        def softplus(x):
            # log1p keeps the small values, but exp(x) still overflows for x > 88
            return torch.log1p(torch.exp(x))
    '''),
    "softplus_forgets_max_x_0": ("softplus", '''
        def softplus(x):
            return torch.log1p(torch.exp(-x.abs()))
    '''),
    "softplus_forgets_the_abs": ("softplus", '''
        def softplus(x):
            return x.clamp(min=0) + torch.log1p(torch.exp(-x))
    '''),
    "softplus_is_relu": ("softplus", '''
        def softplus(x):
            # "softplus is a smooth ReLU": only the asymptotes
            return x.clamp(min=0)
    '''),
    # log_sigmoid
    "log_sigmoid_log_of_sigmoid": ("log_sigmoid", '''
        def log_sigmoid(x):
            return torch.log(torch.sigmoid(x))
    '''),
    "log_sigmoid_minus_softplus_of_x": ("log_sigmoid", '''
        def log_sigmoid(x):
            return -softplus(x)
    '''),
    "log_sigmoid_softplus_of_minus_x": ("log_sigmoid", '''
        def log_sigmoid(x):
            return softplus(-x)
    '''),
    "log_sigmoid_textbook_formula": ("log_sigmoid", '''
        def log_sigmoid(x):
            return -torch.log(1 + torch.exp(-x))
    '''),
    # grad_norm
    "grad_norm_sums_the_norms_of_the_tensors": ("grad_norm", '''
        def grad_norm(params):
            norms = [(p.grad * p.grad).sum().sqrt() for p in params if p.grad is not None]
            if not norms:
                return torch.zeros((), dtype=params[0].dtype, device=params[0].device) if params else torch.zeros(())
            return torch.stack(norms).sum()
    '''),
    "grad_norm_crashes_on_a_param_without_grad": ("grad_norm", '''
        def grad_norm(params):
            # d2l's grad_clipping: every param is assumed to have a gradient
            return torch.sqrt(sum(torch.sum(p.grad ** 2) for p in params))
    '''),
    "grad_norm_returns_a_python_float": ("grad_norm", '''
        def grad_norm(params):
            return sum(float((p.grad * p.grad).sum()) for p in params if p.grad is not None) ** 0.5
    '''),
    "grad_norm_python_zero_without_gradients": ("grad_norm", '''
        def grad_norm(params):
            total = 0.0
            for p in params:
                if p.grad is not None:
                    total = total + (p.grad * p.grad).sum()
            return total ** 0.5
    '''),
    "grad_norm_forgets_the_root": ("grad_norm", '''
        def grad_norm(params):
            squares = [(p.grad * p.grad).sum() for p in params if p.grad is not None]
            if not squares:
                return torch.zeros((), dtype=params[0].dtype, device=params[0].device) if params else torch.zeros(())
            return torch.stack(squares).sum()
    '''),
    "grad_norm_of_the_params_not_their_gradients": ("grad_norm", '''
        def grad_norm(params):
            squares = [(p.detach() * p.detach()).sum() for p in params if p.grad is not None]
            if not squares:
                return torch.zeros((), dtype=params[0].dtype, device=params[0].device) if params else torch.zeros(())
            return torch.stack(squares).sum().sqrt()
    '''),
    "grad_norm_mean_of_the_squares": ("grad_norm", '''
        def grad_norm(params):
            # the root mean square of every entry, not the norm
            grads = [p.grad.reshape(-1) for p in params if p.grad is not None]
            if not grads:
                return torch.zeros((), dtype=params[0].dtype, device=params[0].device) if params else torch.zeros(())
            return (torch.cat(grads) ** 2).mean().sqrt()
    '''),
    # clip_grad_norm_
    "clip_by_the_norm_of_each_tensor": _edit("clip_grad_norm_", _CLIP, (
        '''        norm = grad_norm(params)
        if norm > max_norm:
            factor = max_norm / norm
            for p in params:
                if p.grad is not None:
                    p.grad.mul_(factor)''',
        '''        norm = grad_norm(params)
        for p in params:
            if p.grad is not None:
                own = grad_norm([p])
                if own > max_norm:
                    p.grad.mul_(max_norm / own)''')),
    "clip_scales_even_when_the_norm_is_small": _edit("clip_grad_norm_", _CLIP, (
        "if norm > max_norm:", "if norm > 0:")),
    "clip_returns_the_norm_after_clipping": _edit("clip_grad_norm_", _CLIP, (
        "return norm", "return grad_norm(params)")),
    "clip_scales_a_new_tensor_not_the_grad": _edit("clip_grad_norm_", _CLIP, (
        "p.grad.mul_(factor)", "g = p.grad\n                    g = g * factor")),
    "clip_inverts_the_factor": _edit("clip_grad_norm_", _CLIP, ("max_norm / norm", "norm / max_norm")),
    "clip_clamps_each_entry_to_max_norm": _edit("clip_grad_norm_", _CLIP, (
        "p.grad.mul_(factor)", "p.grad.clamp_(-max_norm, max_norm)")),
    "clip_crashes_on_a_param_without_grad": _edit("clip_grad_norm_", _CLIP, ("if p.grad is not None:", "if True:")),
    "clip_without_max_norm_check": _edit("clip_grad_norm_", _CLIP, ("if not max_norm > 0:", "if False:")),
    "clip_accepts_nan_max_norm": _edit("clip_grad_norm_", _CLIP, ("if not max_norm > 0:", "if max_norm <= 0:")),
    "clip_asserts_max_norm": _edit("clip_grad_norm_", _CLIP, (
        '''        if not max_norm > 0:
            raise ValueError(f"max_norm={max_norm!r} must be > 0")''',
        '''        assert max_norm > 0, "max_norm must be positive"''')),
}
