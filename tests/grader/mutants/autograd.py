"""Plausible mistakes in the autograd topic, one function each (appended to the reference)."""

MUTANTS = {
    # --- grad ---
    "grad_leaves_x_grad_set": ("grad", '''
        def grad(f, x):
            was = x.requires_grad
            x.requires_grad_(True)
            f(x).sum().backward()
            g = x.grad.detach().clone()
            x.requires_grad_(was)  # forgot x.grad = None
            return g
    '''),
    "grad_result_requires_grad": ("grad", '''
        def grad(f, x):
            leaf = x.detach().requires_grad_(True)
            total = f(leaf).sum()
            if not total.requires_grad:
                return torch.zeros_like(x)
            (g,) = torch.autograd.grad(total, leaf, create_graph=True, allow_unused=True)
            return torch.zeros_like(x) if g is None else g  # still attached to the graph
    '''),
    "grad_leaves_requires_grad_true": ("grad", '''
        def grad(f, x):
            old = x.grad
            x.requires_grad_(True)
            x.grad = None
            y = f(x).sum()
            if y.requires_grad:
                y.backward()
            g = torch.zeros_like(x) if x.grad is None else x.grad.detach().clone()
            x.grad = old  # forgot to put requires_grad back
            return g
    '''),
    "grad_accumulates_into_existing_grad": ("grad", '''
        def grad(f, x):
            was = x.requires_grad
            old = x.grad
            x.requires_grad_(True)
            y = f(x).sum()
            if y.requires_grad:
                y.backward()  # adds to a .grad that was already there
            g = torch.zeros_like(x) if x.grad is None else x.grad.detach().clone()
            if old is None:
                x.grad = None
            x.requires_grad_(was)
            return g
    '''),
    "grad_by_central_differences": ("grad", '''
        def grad(f, x):
            return numerical_grad(f, x)
    '''),
    "grad_of_mean_not_sum": ("grad", '''
        def grad(f, x):
            leaf = x.detach().requires_grad_(True)
            total = f(leaf).mean()
            if not total.requires_grad:
                return torch.zeros_like(x)
            (g,) = torch.autograd.grad(total, leaf, allow_unused=True)
            return torch.zeros_like(x) if g is None else g
    '''),
    "grad_fails_when_f_ignores_x": ("grad", '''
        def grad(f, x):
            leaf = x.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(f(leaf).sum(), leaf)
            return g
    '''),
    "grad_returns_float64": ("grad", '''
        def grad(f, x):
            leaf = x.detach().double().requires_grad_(True)
            total = f(leaf).sum()
            if not total.requires_grad:
                return torch.zeros_like(leaf)
            (g,) = torch.autograd.grad(total, leaf, allow_unused=True)
            return torch.zeros_like(leaf) if g is None else g
    '''),
    # --- numerical_grad ---
    "numerical_grad_forward_differences": ("numerical_grad", '''
        def numerical_grad(f, x, h=1e-5):
            if not h > 0:
                raise ValueError(f"h={h!r} must be > 0")
            point = x.detach().clone(memory_format=torch.contiguous_format)
            flat, g = point.view(-1), torch.empty_like(point)
            base = f(point).sum()
            for i in range(flat.numel()):
                old = flat[i].item()
                flat[i] = old + h
                g.view(-1)[i] = (f(point).sum() - base) / h
                flat[i] = old
            return g
    '''),
    "numerical_grad_divides_by_h": ("numerical_grad", '''
        def numerical_grad(f, x, h=1e-5):
            if not h > 0:
                raise ValueError(f"h={h!r} must be > 0")
            point = x.detach().clone(memory_format=torch.contiguous_format)
            flat, g = point.view(-1), torch.empty_like(point)
            for i in range(flat.numel()):
                old = flat[i].item()
                flat[i] = old + h
                upper = f(point).sum()
                flat[i] = old - h
                lower = f(point).sum()
                flat[i] = old
                g.view(-1)[i] = (upper - lower) / h
            return g
    '''),
    "numerical_grad_mutates_x": ("numerical_grad", '''
        def numerical_grad(f, x, h=1e-5):
            if not h > 0:
                raise ValueError(f"h={h!r} must be > 0")
            import itertools

            g = torch.empty_like(x, memory_format=torch.contiguous_format)
            with torch.no_grad():
                for idx in itertools.product(*[range(s) for s in x.shape]):
                    x[idx] += h          # perturb x itself ...
                    upper = f(x).sum()
                    x[idx] -= 2 * h
                    lower = f(x).sum()
                    x[idx] += h          # ... and "restore" it: x + h - 2h + h is not always x
                    g[idx] = (upper - lower) / (2 * h)
            return g
    '''),
    "numerical_grad_storage_order": ("numerical_grad", '''
        def numerical_grad(f, x, h=1e-5):
            if not h > 0:
                raise ValueError(f"h={h!r} must be > 0")
            point = x.detach().clone()  # keeps x's strides
            storage = point.as_strided((point.numel(),), (1,))  # memory order, not x's order
            values = []
            for i in range(point.numel()):
                old = storage[i].item()
                storage[i] = old + h
                upper = f(point).sum()
                storage[i] = old - h
                lower = f(point).sum()
                storage[i] = old
                values.append((upper - lower) / (2 * h))
            return torch.stack(values).reshape(x.shape) if values else torch.zeros_like(x)
    '''),
    "numerical_grad_view_of_x": ("numerical_grad", '''
        def numerical_grad(f, x, h=1e-5):
            if not h > 0:
                raise ValueError(f"h={h!r} must be > 0")
            flat = x.detach().reshape(-1)  # a copy, not a view, when x is transposed
            g = torch.empty(flat.shape, dtype=x.dtype, device=x.device)
            for i in range(flat.numel()):
                old = flat[i].item()
                flat[i] = old + h
                upper = f(x.detach()).sum()
                flat[i] = old - h
                lower = f(x.detach()).sum()
                flat[i] = old
                g[i] = (upper - lower) / (2 * h)
            return g.reshape(x.shape)
    '''),
    "numerical_grad_no_h_check": ("numerical_grad", '''
        def numerical_grad(f, x, h=1e-5):
            point = x.detach().clone(memory_format=torch.contiguous_format)
            flat, g = point.view(-1), torch.empty_like(point)
            for i in range(flat.numel()):
                old = flat[i].item()
                flat[i] = old + h
                upper = f(point).sum()
                flat[i] = old - h
                lower = f(point).sum()
                flat[i] = old
                g.view(-1)[i] = (upper - lower) / (2 * h)
            return g
    '''),
    "numerical_grad_accepts_nan_h": ("numerical_grad", '''
        def numerical_grad(f, x, h=1e-5):
            if h <= 0:  # NaN <= 0 is False: NaN slips through
                raise ValueError(f"h={h!r} must be > 0")
            point = x.detach().clone(memory_format=torch.contiguous_format)
            flat, g = point.view(-1), torch.empty_like(point)
            for i in range(flat.numel()):
                old = flat[i].item()
                flat[i] = old + h
                upper = f(point).sum()
                flat[i] = old - h
                lower = f(point).sum()
                flat[i] = old
                g.view(-1)[i] = (upper - lower) / (2 * h)
            return g
    '''),
    "numerical_grad_assert_for_h": ("numerical_grad", '''
        def numerical_grad(f, x, h=1e-5):
            assert h > 0, "h must be positive"
            point = x.detach().clone(memory_format=torch.contiguous_format)
            flat, g = point.view(-1), torch.empty_like(point)
            for i in range(flat.numel()):
                old = flat[i].item()
                flat[i] = old + h
                upper = f(point).sum()
                flat[i] = old - h
                lower = f(point).sum()
                flat[i] = old
                g.view(-1)[i] = (upper - lower) / (2 * h)
            return g
    '''),
    "numerical_grad_default_h_1e_3": ("numerical_grad", '''
        def numerical_grad(f, x, h=1e-3):
            if not h > 0:
                raise ValueError(f"h={h!r} must be > 0")
            point = x.detach().clone(memory_format=torch.contiguous_format)
            flat, g = point.view(-1), torch.empty_like(point)
            for i in range(flat.numel()):
                old = flat[i].item()
                flat[i] = old + h
                upper = f(point).sum()
                flat[i] = old - h
                lower = f(point).sum()
                flat[i] = old
                g.view(-1)[i] = (upper - lower) / (2 * h)
            return g
    '''),
    # --- jacobian ---
    "jacobian_transposed": ("jacobian", '''
        def jacobian(f, x):
            if x.dim() != 1:
                raise ValueError(f"x must be 1-D, got shape {tuple(x.shape)}")
            leaf = x.detach().requires_grad_(True)
            y = f(leaf)
            J = torch.zeros((x.numel(), y.numel()), dtype=x.dtype, device=x.device)
            if y.requires_grad:
                for i in range(y.numel()):
                    (row,) = torch.autograd.grad(y[i], leaf, retain_graph=True, allow_unused=True)
                    if row is not None:
                        J[:, i] = row  # (n, m): the transpose
            return J
    '''),
    "jacobian_sums_rows": ("jacobian", '''
        def jacobian(f, x):
            if x.dim() != 1:
                raise ValueError(f"x must be 1-D, got shape {tuple(x.shape)}")
            g = grad(f, x)  # the gradient of f(x).sum(): every row at once, summed
            m = f(x.detach()).numel()
            return g.expand(m, -1).clone()
    '''),
    "jacobian_accepts_any_x": ("jacobian", '''
        def jacobian(f, x):
            leaf = x.detach().reshape(-1).requires_grad_(True)
            y = f(leaf).reshape(-1)
            J = torch.zeros((y.numel(), leaf.numel()), dtype=x.dtype, device=x.device)
            if y.requires_grad:
                for i in range(y.numel()):
                    (row,) = torch.autograd.grad(y[i], leaf, retain_graph=True, allow_unused=True)
                    if row is not None:
                        J[i] = row
            return J
    '''),
    "jacobian_fails_when_f_ignores_x": ("jacobian", '''
        def jacobian(f, x):
            if x.dim() != 1:
                raise ValueError(f"x must be 1-D, got shape {tuple(x.shape)}")
            leaf = x.detach().requires_grad_(True)
            y = f(leaf)
            rows = [torch.autograd.grad(y[i], leaf, retain_graph=True)[0] for i in range(y.numel())]
            return torch.stack(rows)
    '''),
    "jacobian_without_retain_graph": ("jacobian", '''
        def jacobian(f, x):
            if x.dim() != 1:
                raise ValueError(f"x must be 1-D, got shape {tuple(x.shape)}")
            leaf = x.detach().requires_grad_(True)
            y = f(leaf)
            J = torch.zeros((y.numel(), x.numel()), dtype=x.dtype, device=x.device)
            if y.requires_grad:
                for i in range(y.numel()):
                    (row,) = torch.autograd.grad(y[i], leaf, allow_unused=True)  # frees the graph
                    if row is not None:
                        J[i] = row
            return J
    '''),
    "jacobian_grads_accumulate": ("jacobian", '''
        def jacobian(f, x):
            if x.dim() != 1:
                raise ValueError(f"x must be 1-D, got shape {tuple(x.shape)}")
            leaf = x.detach().requires_grad_(True)
            y = f(leaf)
            J = torch.zeros((y.numel(), x.numel()), dtype=x.dtype, device=x.device)
            if y.requires_grad:
                for i in range(y.numel()):
                    y[i].backward(retain_graph=True)  # forgot leaf.grad = None between rows
                    if leaf.grad is not None:
                        J[i] = leaf.grad
            return J
    '''),
    "jacobian_leaves_x_requiring_grad": ("jacobian", '''
        def jacobian(f, x):
            if x.dim() != 1:
                raise ValueError(f"x must be 1-D, got shape {tuple(x.shape)}")
            x.requires_grad_(True)
            y = f(x)
            J = torch.zeros((y.numel(), x.numel()), dtype=x.dtype, device=x.device)
            if y.requires_grad:
                for i in range(y.numel()):
                    (row,) = torch.autograd.grad(y[i], x, retain_graph=True, allow_unused=True)
                    if row is not None:
                        J[i] = row
            return J
    '''),
}
