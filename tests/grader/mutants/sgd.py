"""Plausible mistakes in the sgd topic: each redefines one function of the reference.

Every mutant keeps the argument checks (``_check_lr``, ``_check_batch_size``) unless the checks
are its mistake, so it shows exactly one mistake. The ``train_linreg`` mutants are d2l's loop
(:data:`_TRAIN`) with one line changed.
"""

_DATA_ITER = '''
    def data_iter(batch_size, features, labels, generator=None):
        _check_batch_size(batch_size)
        if len(features) != len(labels):
            raise ValueError(f"len(features)={len(features)} != len(labels)={len(labels)}")
        n = len(features)
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            yield features[batch], labels[batch]
'''

_SGD = '''
    def sgd_(params, lr, batch_size, weight_decay=0.0):
        _check_lr(lr)
        _check_batch_size(batch_size)
        if not weight_decay >= 0:
            raise ValueError(f"weight_decay={weight_decay} must be >= 0")
        with torch.no_grad():
            for p in params:
                if p.grad is not None:
                    p -= lr * (p.grad / batch_size + weight_decay * p)
                    p.grad.zero_()
'''

_TRAIN = '''
    def train_linreg(features, labels, lr=0.03, num_epochs=3, batch_size=10, generator=None):
        _check_lr(lr)
        _check_batch_size(batch_size)
        w = torch.normal(0.0, 0.01, (features.shape[1], 1), generator=generator, dtype=features.dtype)
        w = w.to(features.device).requires_grad_(True)
        b = torch.zeros(1, dtype=features.dtype, device=features.device, requires_grad=True)
        for epoch in range(num_epochs):
            for X, y in _minibatches(batch_size, features, labels, generator):
                ((X @ w + b - y.reshape(-1, 1)) ** 2 / 2).sum().backward()
                _sgd_update([w, b], lr, batch_size, 0.0)
        return w.detach(), b.detach()
'''


def _edit(function: str, template: str, *edits: tuple[str, str]) -> tuple[str, str]:
    """(function, template with each (old, new) replaced); old must occur in the template."""
    for old, new in edits:
        if old not in template:
            raise ValueError(f"_edit(): {old!r} is not in the {function} template")
        template = template.replace(old, new)
    return function, template


MUTANTS = {
    # data_iter
    "data_iter_drops_last_partial_batch": _edit("data_iter", _DATA_ITER, (
        "range(0, n, batch_size)", "range(0, n - batch_size + 1, batch_size)")),
    "data_iter_not_shuffled": _edit("data_iter", _DATA_ITER, (
        "torch.randperm(n, generator=generator)", "torch.arange(n)")),
    "data_iter_shuffles_features_and_labels_separately": _edit("data_iter", _DATA_ITER, (
        "order = torch.randperm(n, generator=generator)",
        "order, label_order = torch.randperm(n, generator=generator), torch.randperm(n, generator=generator)"), (
        "labels[batch]", "labels[label_order[start:start + batch_size]]")),
    "data_iter_ignores_generator": _edit("data_iter", _DATA_ITER, (
        "torch.randperm(n, generator=generator)", "torch.randperm(n)")),
    "data_iter_permutes_with_argsort_of_rand": _edit("data_iter", _DATA_ITER, (
        "torch.randperm(n, generator=generator)", "torch.argsort(torch.rand(n, generator=generator))")),
    "data_iter_draws_a_new_permutation_per_batch": _edit("data_iter", _DATA_ITER, (
        "batch = order[start:start + batch_size]",
        "batch = torch.randperm(n, generator=generator)[:min(batch_size, n - start)]")),
    "data_iter_no_length_check": _edit("data_iter", _DATA_ITER, (
        "if len(features) != len(labels):", "if False:")),
    "data_iter_no_batch_size_check": _edit("data_iter", _DATA_ITER, (
        "_check_batch_size(batch_size)", "pass")),
    "data_iter_randperm_on_the_data_device": _edit("data_iter", _DATA_ITER, (
        "torch.randperm(n, generator=generator)", "torch.randperm(n, generator=generator, device=features.device)")),
    # linreg
    "linreg_forgets_b": ("linreg", '''
        def linreg(X, w, b):
            return X @ w
    '''),
    "linreg_always_returns_a_column": ("linreg", '''
        def linreg(X, w, b):
            return X @ w.reshape(-1, 1) + b
    '''),
    "linreg_detaches_the_output": ("linreg", '''
        def linreg(X, w, b):
            return (X @ w + b).detach()
    '''),
    # squared_loss
    "squared_loss_without_half": ("squared_loss", '''
        def squared_loss(y_hat, y):
            return (y_hat - y.reshape(y_hat.shape)) ** 2
    '''),
    "squared_loss_reduced_with_mean": ("squared_loss", '''
        def squared_loss(y_hat, y):
            return ((y_hat - y.reshape(y_hat.shape)) ** 2 / 2).mean()
    '''),
    "squared_loss_reduced_with_sum": ("squared_loss", '''
        def squared_loss(y_hat, y):
            return ((y_hat - y.reshape(y_hat.shape)) ** 2 / 2).sum()
    '''),
    "squared_loss_without_reshape": ("squared_loss", '''
        def squared_loss(y_hat, y):
            return (y_hat - y) ** 2 / 2
    '''),
    "squared_loss_absolute_error": ("squared_loss", '''
        def squared_loss(y_hat, y):
            return (y_hat - y.reshape(y_hat.shape)).abs() / 2
    '''),
    # sgd_
    "sgd_forgets_batch_size": _edit("sgd_", _SGD, ("p.grad / batch_size", "p.grad")),
    "sgd_without_no_grad": _edit("sgd_", _SGD, ("with torch.no_grad():", "if True:")),
    "sgd_does_not_zero_grad": _edit("sgd_", _SGD, ("p.grad.zero_()", "pass")),
    "sgd_weight_decay_sign_flipped": _edit("sgd_", _SGD, ("+ weight_decay * p", "- weight_decay * p")),
    "sgd_weight_decay_divided_by_batch_size": _edit("sgd_", _SGD, (
        "lr * (p.grad / batch_size + weight_decay * p)", "lr * (p.grad + weight_decay * p) / batch_size")),
    "sgd_returns_new_tensors": _edit("sgd_", _SGD, (
        '''        with torch.no_grad():
            for p in params:
                if p.grad is not None:
                    p -= lr * (p.grad / batch_size + weight_decay * p)
                    p.grad.zero_()''',
        '''        with torch.no_grad():
            return [p if p.grad is None else p - lr * (p.grad / batch_size + weight_decay * p) for p in params]''')),
    "sgd_rebinds_the_loop_variable": _edit("sgd_", _SGD, (
        '''                    p -= lr * (p.grad / batch_size + weight_decay * p)
                    p.grad.zero_()''',
        '''                    step = lr * (p.grad / batch_size + weight_decay * p)
                    p.grad.zero_()
                    p = p - step''')),
    "sgd_zeroes_the_grad_before_the_step": _edit("sgd_", _SGD, (
        '''                    p -= lr * (p.grad / batch_size + weight_decay * p)
                    p.grad.zero_()''',
        '''                    p.grad.zero_()
                    p -= lr * (p.grad / batch_size + weight_decay * p)''')),
    "sgd_crashes_on_a_param_without_grad": _edit("sgd_", _SGD, ("if p.grad is not None:", "if True:")),
    "sgd_decays_params_without_grad": _edit("sgd_", _SGD, (
        '''                if p.grad is not None:
                    p -= lr * (p.grad / batch_size + weight_decay * p)
                    p.grad.zero_()''',
        '''                if p.grad is None:
                    p -= lr * weight_decay * p
                else:
                    p -= lr * (p.grad / batch_size + weight_decay * p)
                    p.grad.zero_()''')),
    "sgd_accepts_nan_lr": _edit("sgd_", _SGD, (
        "_check_lr(lr)", "if lr <= 0:\n            raise ValueError(f'lr={lr} must be > 0')")),
    "sgd_accepts_nan_weight_decay": _edit("sgd_", _SGD, ("if not weight_decay >= 0:", "if weight_decay < 0:")),
    "sgd_asserts_its_arguments": _edit("sgd_", _SGD, (
        '''        _check_lr(lr)
        _check_batch_size(batch_size)
        if not weight_decay >= 0:
            raise ValueError(f"weight_decay={weight_decay} must be >= 0")''',
        '''        assert lr > 0 and batch_size >= 1 and weight_decay >= 0  # an AssertionError, not a ValueError''')),
    # train_linreg
    "train_linreg_returns_tensors_requiring_grad": _edit("train_linreg", _TRAIN, (
        "return w.detach(), b.detach()", "return w, b")),
    "train_linreg_ignores_generator": _edit("train_linreg", _TRAIN, (
        "generator=generator, dtype", "dtype"), ("labels, generator)", "labels, None)")),
    "train_linreg_init_from_global_rng": _edit("train_linreg", _TRAIN, ("generator=generator, dtype", "dtype")),
    "train_linreg_mean_loss": _edit("train_linreg", _TRAIN, (".sum().backward()", ".mean().backward()")),
    "train_linreg_divides_by_the_actual_batch_length": _edit("train_linreg", _TRAIN, (
        "lr, batch_size, 0.0", "lr, len(X), 0.0")),
    "train_linreg_swaps_lr_and_batch_size": _edit("train_linreg", _TRAIN, (
        "_sgd_update([w, b], lr, batch_size, 0.0)", "sgd_([w, b], batch_size, lr)")),
    "train_linreg_ignores_lr": _edit("train_linreg", _TRAIN, ("lr, batch_size, 0.0", "0.03, batch_size, 0.0")),
    "train_linreg_one_epoch_short": _edit("train_linreg", _TRAIN, ("range(num_epochs)", "range(num_epochs - 1)")),
    "train_linreg_init_std_one": _edit("train_linreg", _TRAIN, ("torch.normal(0.0, 0.01,", "torch.normal(0.0, 1.0,")),
    "train_linreg_float32_params": _edit("train_linreg", _TRAIN, (
        "generator=generator, dtype=features.dtype)", "generator=generator)"), (
        "torch.zeros(1, dtype=features.dtype,", "torch.zeros(1,"), (
        "((X @ w + b - y.reshape(-1, 1))", "((X.float() @ w + b - y.float().reshape(-1, 1))")),
    "train_linreg_b_is_0_dim": _edit("train_linreg", _TRAIN, ("torch.zeros(1,", "torch.zeros((),")),
    "train_linreg_labels_not_reshaped": _edit("train_linreg", _TRAIN, ("y.reshape(-1, 1)", "y")),
    "train_linreg_params_left_on_the_cpu": _edit("train_linreg", _TRAIN, (
        "w = w.to(features.device).requires_grad_(True)", "w = w.requires_grad_(True)"), (
        "torch.zeros(1, dtype=features.dtype, device=features.device,", "torch.zeros(1, dtype=features.dtype,"), (
        "((X @ w + b - y.reshape(-1, 1))", "((X.cpu() @ w + b - y.cpu().reshape(-1, 1))")),
}

# Only wrong where the data live on a GPU: the CPU generator cannot draw there, or w and b stay behind.
CUDA_ONLY = {"data_iter_randperm_on_the_data_device", "train_linreg_params_left_on_the_cpu"}
