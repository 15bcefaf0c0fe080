"""Plausible mistakes in the norms topic, one wrong function each."""

MUTANTS = {
    "l1_without_abs": ("l1_norm", '''
        def l1_norm(x, dim=None, keepdim=False):
            return x.sum() if dim is None else x.sum(dim, keepdim=keepdim)
    '''),
    "l1_keepdim_ignored": ("l1_norm", '''
        def l1_norm(x, dim=None, keepdim=False):
            return x.abs().sum() if dim is None else x.abs().sum(dim)
    '''),
    "l1_dim_none_keeps_every_dim": ("l1_norm", '''
        def l1_norm(x, dim=None, keepdim=False):
            return x.abs().sum(dim=dim, keepdim=keepdim)
    '''),
    "l1_abs_in_place_mutates_x": ("l1_norm", '''
        def l1_norm(x, dim=None, keepdim=False):
            a = x.abs_()
            return a.sum() if dim is None else a.sum(dim, keepdim=keepdim)
    '''),
    "l1_abs_after_the_sum": ("l1_norm", '''
        def l1_norm(x, dim=None, keepdim=False):
            return x.sum().abs() if dim is None else x.sum(dim, keepdim=keepdim).abs()
    '''),
    "l2_without_sqrt": ("l2_norm", '''
        def l2_norm(x, dim=None, keepdim=False):
            return (x * x).sum() if dim is None else (x * x).sum(dim, keepdim=keepdim)
    '''),
    "l2_dim_none_shape_1": ("l2_norm", '''
        def l2_norm(x, dim=None, keepdim=False):
            if dim is None:
                return (x * x).sum().sqrt().reshape(1)
            return (x * x).sum(dim, keepdim=keepdim).sqrt()
    '''),
    "l2_float64_hard_coded": ("l2_norm", '''
        def l2_norm(x, dim=None, keepdim=False):
            y = x.to(torch.float64)
            return (y * y).sum().sqrt() if dim is None else (y * y).sum(dim, keepdim=keepdim).sqrt()
    '''),
    "l2_keepdim_ignored": ("l2_norm", '''
        def l2_norm(x, dim=None, keepdim=False):
            return (x * x).sum().sqrt() if dim is None else (x * x).sum(dim).sqrt()
    '''),
    "lp_without_abs": ("lp_norm", '''
        def lp_norm(x, p, dim=None, keepdim=False):
            if not p >= 1:
                raise ValueError(f"lp_norm(): p={p!r} must be >= 1")
            if p == math.inf:
                return _power_norm(x, p, dim, keepdim)
            s = (x ** p).sum() if dim is None else (x ** p).sum(dim, keepdim=keepdim)
            return s ** (1 / p)
    '''),
    "lp_inf_not_handled": ("lp_norm", '''
        def lp_norm(x, p, dim=None, keepdim=False):
            if not p >= 1:
                raise ValueError(f"lp_norm(): p={p!r} must be >= 1")
            a = x.abs() ** p
            s = a.sum() if dim is None else a.sum(dim, keepdim=keepdim)
            return s ** (1 / p)
    '''),
    "lp_inf_ignores_dim": ("lp_norm", '''
        def lp_norm(x, p, dim=None, keepdim=False):
            if not p >= 1:
                raise ValueError(f"lp_norm(): p={p!r} must be >= 1")
            if p == math.inf:
                return x.abs().max()
            return _power_norm(x, p, dim, keepdim)
    '''),
    "lp_accepts_p_below_1": ("lp_norm", '''
        def lp_norm(x, p, dim=None, keepdim=False):
            if not p > 0:
                raise ValueError(f"lp_norm(): p={p!r} must be >= 1")
            return _power_norm(x, p, dim, keepdim)
    '''),
    "lp_accepts_nan_p": ("lp_norm", '''
        def lp_norm(x, p, dim=None, keepdim=False):
            if p < 1:
                raise ValueError(f"lp_norm(): p={p!r} must be >= 1")
            return _power_norm(x, p, dim, keepdim)
    '''),
    "lp_square_root_for_every_p": ("lp_norm", '''
        def lp_norm(x, p, dim=None, keepdim=False):
            if not p >= 1:
                raise ValueError(f"lp_norm(): p={p!r} must be >= 1")
            if p == math.inf:
                return _power_norm(x, p, dim, keepdim)
            a = x.abs() ** p
            return (a.sum() if dim is None else a.sum(dim, keepdim=keepdim)).sqrt()
    '''),
    "lp_norm_raises_runtime_error_for_a_bad_p": ("lp_norm", '''
        def lp_norm(x, p, dim=None, keepdim=False):
            if not p >= 1:
                raise RuntimeError(f"p={p}: the order of the norm must be at least 1")  # not a ValueError
            return _power_norm(x, p, dim, keepdim)
    '''),
    "frobenius_accepts_3d": ("frobenius_norm", '''
        def frobenius_norm(X):
            if X.dim() < 2:
                raise ValueError(f"frobenius_norm(): X must be 2-D, got X.dim()={X.dim()}")
            return (X * X).sum().sqrt()
    '''),
    "frobenius_norm_per_row": ("frobenius_norm", '''
        def frobenius_norm(X):
            if X.dim() != 2:
                raise ValueError(f"frobenius_norm(): X must be 2-D, got X.dim()={X.dim()}")
            return (X * X).sum(1).sqrt()
    '''),
    "frobenius_sum_of_row_norms": ("frobenius_norm", '''
        def frobenius_norm(X):
            if X.dim() != 2:
                raise ValueError(f"frobenius_norm(): X must be 2-D, got X.dim()={X.dim()}")
            return (X * X).sum(1).sqrt().sum()
    '''),
    "frobenius_wrong_error_type": ("frobenius_norm", '''
        def frobenius_norm(X):
            if X.dim() != 2:
                raise TypeError(f"frobenius_norm(): X must be 2-D, got X.dim()={X.dim()}")
            return (X * X).sum().sqrt()
    '''),
}
