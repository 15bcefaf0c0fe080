"""Plausible mistakes in the broadcasting topic, one wrong function each."""

MUTANTS = {
    "shape_aligned_from_the_left": ("broadcast_shape", '''
        def broadcast_shape(a, b):
            rank = max(len(a), len(b))
            a2, b2 = tuple(a) + (1,) * (rank - len(a)), tuple(b) + (1,) * (rank - len(b))
            out = []
            for s, t in zip(a2, b2):
                if s != t and 1 not in (s, t):
                    raise ValueError(f"broadcast_shape(): a={a} and b={b} are incompatible")
                out.append(t if s == 1 else s)
            return tuple(out)
    '''),
    "shape_zero_treated_like_one": ("broadcast_shape", '''
        def broadcast_shape(a, b):
            rank = max(len(a), len(b))
            a2, b2 = (1,) * (rank - len(a)) + tuple(a), (1,) * (rank - len(b)) + tuple(b)
            out = []
            for s, t in zip(a2, b2):
                if s != t and s not in (0, 1) and t not in (0, 1):
                    raise ValueError(f"broadcast_shape(): a={a} and b={b} are incompatible")
                out.append(max(s, t))
            return tuple(out)
    '''),
    "shape_max_of_sizes": ("broadcast_shape", '''
        def broadcast_shape(a, b):
            rank = max(len(a), len(b))
            a2, b2 = (1,) * (rank - len(a)) + tuple(a), (1,) * (rank - len(b)) + tuple(b)
            out = []
            for s, t in zip(a2, b2):
                if s != t and 1 not in (s, t):
                    raise ValueError(f"broadcast_shape(): a={a} and b={b} are incompatible")
                out.append(max(s, t))
            return tuple(out)
    '''),
    "shape_no_error_when_incompatible": ("broadcast_shape", '''
        def broadcast_shape(a, b):
            rank = max(len(a), len(b))
            a2, b2 = (1,) * (rank - len(a)) + tuple(a), (1,) * (rank - len(b)) + tuple(b)
            return tuple(t if s == 1 else s for s, t in zip(a2, b2))
    '''),
    "shape_zip_drops_extra_dims": ("broadcast_shape", '''
        def broadcast_shape(a, b):
            out = []
            for s, t in zip(reversed(a), reversed(b)):
                if s != t and 1 not in (s, t):
                    raise ValueError(f"broadcast_shape(): a={a} and b={b} are incompatible")
                out.append(t if s == 1 else s)
            return tuple(reversed(out))
    '''),
    "shape_returns_a_list": ("broadcast_shape", '''
        def broadcast_shape(a, b):
            rank = max(len(a), len(b))
            a2, b2 = (1,) * (rank - len(a)) + tuple(a), (1,) * (rank - len(b)) + tuple(b)
            out = []
            for s, t in zip(a2, b2):
                if s != t and 1 not in (s, t):
                    raise ValueError(f"broadcast_shape(): a={a} and b={b} are incompatible")
                out.append(t if s == 1 else s)
            return out
    '''),
    "dists_expansion_without_clamp": ("pairwise_sq_dists", '''
        def pairwise_sq_dists(X, Y):
            if X.shape[1] != Y.shape[1]:
                raise ValueError(f"pairwise_sq_dists(): X and Y have different d")
            return (X * X).sum(1, keepdim=True) - 2 * X @ Y.T + (Y * Y).sum(1)
    '''),
    "dists_expansion_without_minus_2": ("pairwise_sq_dists", '''
        def pairwise_sq_dists(X, Y):
            if X.shape[1] != Y.shape[1]:
                raise ValueError(f"pairwise_sq_dists(): X and Y have different d")
            return ((X * X).sum(1, keepdim=True) - X @ Y.T + (Y * Y).sum(1)).clamp(min=0)
    '''),
    "dists_not_squared": ("pairwise_sq_dists", '''
        def pairwise_sq_dists(X, Y):
            if X.shape[1] != Y.shape[1]:
                raise ValueError(f"pairwise_sq_dists(): X and Y have different d")
            diff = X[:, None, :] - Y[None, :, :]
            return (diff * diff).sum(-1).sqrt()
    '''),
    "dists_transposed": ("pairwise_sq_dists", '''
        def pairwise_sq_dists(X, Y):
            if X.shape[1] != Y.shape[1]:
                raise ValueError(f"pairwise_sq_dists(): X and Y have different d")
            diff = X[None, :, :] - Y[:, None, :]
            return (diff * diff).sum(-1)
    '''),
    "dists_no_check_of_d": ("pairwise_sq_dists", '''
        def pairwise_sq_dists(X, Y):
            diff = X[:, None, :] - Y[None, :, :]
            return (diff * diff).sum(-1)
    '''),
    "dists_centering_mutates_X": ("pairwise_sq_dists", '''
        def pairwise_sq_dists(X, Y):
            if X.shape[1] != Y.shape[1]:
                raise ValueError(f"pairwise_sq_dists(): X and Y have different d")
            # center both sets on X's mean for accuracy... in place
            mean = X.mean(0)
            X -= mean
            Yc = Y - mean
            D = (X * X).sum(1, keepdim=True) - 2 * X @ Yc.T + (Yc * Yc).sum(1)
            return D.clamp(min=0)
    '''),
    "standardize_without_bessel": ("standardize", '''
        def standardize(X):
            if X.shape[0] < 2:
                raise ValueError(f"standardize(): X must have n >= 2 rows, got {tuple(X.shape)}")
            constant = (X == X[:1]).all(0)
            Z = (X - X.mean(0)) / torch.where(constant, 1.0, X.std(0, unbiased=False))
            return Z.masked_fill(constant, 0)
    '''),
    "standardize_divides_by_variance": ("standardize", '''
        def standardize(X):
            if X.shape[0] < 2:
                raise ValueError(f"standardize(): X must have n >= 2 rows, got {tuple(X.shape)}")
            constant = (X == X[:1]).all(0)
            Z = (X - X.mean(0)) / torch.where(constant, 1.0, X.var(0))
            return Z.masked_fill(constant, 0)
    '''),
    "standardize_nan_on_constant_column": ("standardize", '''
        def standardize(X):
            if X.shape[0] < 2:
                raise ValueError(f"standardize(): X must have n >= 2 rows, got {tuple(X.shape)}")
            return (X - X.mean(0)) / X.std(0)
    '''),
    "standardize_std_compared_with_0": ("standardize", '''
        def standardize(X):
            if X.shape[0] < 2:
                raise ValueError(f"standardize(): X must have n >= 2 rows, got {tuple(X.shape)}")
            centered = X - X.mean(0)
            std = ((centered ** 2).sum(0) / (X.shape[0] - 1)).sqrt()
            Z = centered / torch.where(std == 0, 1.0, std)
            return Z.masked_fill(std == 0, 0)
    '''),
    "standardize_over_rows": ("standardize", '''
        def standardize(X):
            if X.shape[0] < 2:
                raise ValueError(f"standardize(): X must have n >= 2 rows, got {tuple(X.shape)}")
            constant = (X == X[:, :1]).all(1, keepdim=True)
            Z = (X - X.mean(1, keepdim=True)) / torch.where(constant, 1.0, X.std(1, keepdim=True))
            return Z.masked_fill(constant, 0)
    '''),
    "standardize_centers_X_in_place": ("standardize", '''
        def standardize(X):
            if X.shape[0] < 2:
                raise ValueError(f"standardize(): X must have n >= 2 rows, got {tuple(X.shape)}")
            constant = (X == X[:1]).all(0)
            X -= X.mean(0)
            Z = X / torch.where(constant, 1.0, X.std(0))
            return Z.masked_fill(constant, 0)
    '''),
    "standardize_no_check_of_n": ("standardize", '''
        def standardize(X):
            constant = (X == X[:1]).all(0)
            Z = (X - X.mean(0)) / torch.where(constant, 1.0, X.std(0))
            return Z.masked_fill(constant, 0)
    '''),
}
