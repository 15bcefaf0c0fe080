"""Plausible mistakes in the dropout topic, each redefining one function (or the class) of the reference."""

MUTANTS = {
    # ---------------------------------------------------------------- dropout_layer
    "dropout_layer_bare_assert_instead_of_raising": ("dropout_layer", '''
        def dropout_layer(X, dropout, generator=None):
            assert 0 <= dropout <= 1  # an AssertionError without a message where a ValueError is due
            return _dropout(X, float(dropout), generator)
    '''),
    "dropout_layer_without_rescale": ("dropout_layer", '''
        def dropout_layer(X, dropout, generator=None):
            _check_probability(dropout, "dropout")
            if dropout == 1:
                return torch.zeros_like(X)
            mask = torch.rand(X.shape, generator=generator, device=X.device) >= dropout
            return mask * X
    '''),
    "dropout_layer_rescales_by_p": ("dropout_layer", '''
        def dropout_layer(X, dropout, generator=None):
            _check_probability(dropout, "dropout")
            if dropout == 1:
                return torch.zeros_like(X)
            mask = torch.rand(X.shape, generator=generator, device=X.device) >= dropout
            return mask * X * dropout
    '''),
    "dropout_layer_rescales_by_1_over_p": ("dropout_layer", '''
        def dropout_layer(X, dropout, generator=None):
            _check_probability(dropout, "dropout")
            if dropout == 0:
                return X.clone()
            mask = torch.rand(X.shape, generator=generator, device=X.device) >= dropout
            return mask * X / dropout
    '''),
    "dropout_layer_zeros_with_the_keep_probability": ("dropout_layer", '''
        def dropout_layer(X, dropout, generator=None):
            _check_probability(dropout, "dropout")
            if dropout == 1:
                return torch.zeros_like(X)
            mask = torch.rand(X.shape, generator=generator, device=X.device) < dropout  # keeps w.p. p
            return mask * X / (1 - dropout)
    '''),
    "dropout_layer_nan_for_dropout_1": ("dropout_layer", '''
        def dropout_layer(X, dropout, generator=None):
            _check_probability(dropout, "dropout")
            mask = (torch.rand(X.shape, generator=generator, device=X.device) >= dropout).to(X.dtype)
            return mask * X / (1.0 - dropout) if dropout < 1 else mask * X / torch.tensor(0.0)
    '''),
    "dropout_layer_mask_shared_across_rows": ("dropout_layer", '''
        def dropout_layer(X, dropout, generator=None):
            _check_probability(dropout, "dropout")
            if dropout == 1:
                return torch.zeros_like(X)
            mask = torch.rand(X.shape[-1:], generator=generator, device=X.device) >= dropout
            return mask * X / (1 - dropout)
    '''),
    "dropout_layer_ignores_the_generator": ("dropout_layer", '''
        def dropout_layer(X, dropout, generator=None):
            _check_probability(dropout, "dropout")
            return _dropout(X, float(dropout), None)
    '''),
    "dropout_layer_mutates_x_in_place": ("dropout_layer", '''
        def dropout_layer(X, dropout, generator=None):
            _check_probability(dropout, "dropout")
            if dropout == 1:
                return torch.zeros_like(X)
            mask = torch.rand(X.shape, generator=generator, device=X.device) >= dropout
            with torch.no_grad():
                X.mul_(mask).div_(1 - dropout)
            return X.clone()
    '''),
    "dropout_layer_returns_x_itself_for_dropout_0": ("dropout_layer", '''
        def dropout_layer(X, dropout, generator=None):
            _check_probability(dropout, "dropout")
            if dropout == 0:  # d2l's shortcut: the caller gets X itself, not a new tensor
                return X
            return _dropout(X, float(dropout), generator)
    '''),
    "dropout_layer_lets_nan_through": ("dropout_layer", '''
        def dropout_layer(X, dropout, generator=None):
            if dropout < 0 or dropout > 1:  # NaN passes both comparisons
                raise ValueError(f"dropout={dropout} must be in [0, 1]")
            if dropout == 1:
                return torch.zeros_like(X)
            mask = torch.rand(X.shape, generator=generator, device=X.device) >= dropout
            return mask * X / (1 - dropout)
    '''),
    "dropout_layer_asserts_instead_of_raising": ("dropout_layer", '''
        def dropout_layer(X, dropout, generator=None):
            assert 0 <= dropout <= 1, "dropout must be in [0, 1]"  # d2l's check: AssertionError
            return _dropout(X, float(dropout), generator)
    '''),
    "dropout_layer_returns_float32": ("dropout_layer", '''
        def dropout_layer(X, dropout, generator=None):
            _check_probability(dropout, "dropout")
            return _dropout(X, float(dropout), generator).float()
    '''),
    "dropout_layer_mask_created_on_the_cpu": ("dropout_layer", '''
        def dropout_layer(X, dropout, generator=None):
            _check_probability(dropout, "dropout")
            if dropout == 1:
                return torch.zeros_like(X)
            mask = (torch.rand(X.shape, generator=generator) >= dropout).float()
            return mask * X / (1.0 - dropout)
    '''),
    # ---------------------------------------------------------------- Dropout
    "Dropout_ignores_eval_mode": ("Dropout", '''
        class Dropout(torch.nn.Module):
            def __init__(self, p=0.5):
                super().__init__()
                _check_probability(p, "p")
                self.p = float(p)

            def forward(self, X):
                return _dropout(X, self.p, None)
    '''),
    "Dropout_checks_p_only_in_forward": ("Dropout", '''
        class Dropout(torch.nn.Module):
            def __init__(self, p=0.5):
                super().__init__()
                self.p = p

            def forward(self, X):
                _check_probability(self.p, "p")
                return _dropout(X, float(self.p), None) if self.training else X
    '''),
    "Dropout_ignores_p": ("Dropout", '''
        class Dropout(torch.nn.Module):
            def __init__(self, p=0.5):
                super().__init__()
                _check_probability(p, "p")
                self.p = float(p)

            def forward(self, X):
                return _dropout(X, 0.5, None) if self.training else X
    '''),
    "Dropout_training_flag_inverted": ("Dropout", '''
        class Dropout(torch.nn.Module):
            def __init__(self, p=0.5):
                super().__init__()
                _check_probability(p, "p")
                self.p = float(p)

            def forward(self, X):
                return X if self.training else _dropout(X, self.p, None)
    '''),
    "Dropout_keeps_with_probability_p": ("Dropout", '''
        class Dropout(torch.nn.Module):
            def __init__(self, p=0.5):
                super().__init__()
                _check_probability(p, "p")
                self.p = float(p)

            def forward(self, X):
                return _dropout(X, 1 - self.p, None) if self.training else X
    '''),
}

# A mask drawn on the CPU is only wrong where X is not: graded on a GPU only.
CUDA_ONLY = {"dropout_layer_mask_created_on_the_cpu"}
