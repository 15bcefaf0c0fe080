"""Plausible mistakes in the softmax topic, each redefining one function of the reference."""

MUTANTS = {
    # ---------------------------------------------------------------- softmax
    "softmax_naive_overflows": ("softmax", '''
        def softmax(O):
            e = torch.exp(O)  # no max subtraction: inf / inf = NaN for large logits
            return e / e.sum(dim=1, keepdim=True)
    '''),
    "softmax_over_dim_0": ("softmax", '''
        def softmax(O):
            e = torch.exp(O - O.amax(dim=0, keepdim=True))
            return e / e.sum(dim=0, keepdim=True)
    '''),
    "softmax_forgets_keepdim": ("softmax", '''
        def softmax(O):
            e = torch.exp(O - O.amax(dim=1, keepdim=True))
            return e / e.sum(dim=1)  # (n, q) / (n,) broadcasts along the wrong axis
    '''),
    "softmax_returns_float64": ("softmax", '''
        def softmax(O):
            O = O.double()
            e = torch.exp(O - O.amax(dim=1, keepdim=True))
            return e / e.sum(dim=1, keepdim=True)
    '''),
    "softmax_subtracts_the_max_in_place": ("softmax", '''
        def softmax(O):
            O -= O.amax(dim=1, keepdim=True)
            e = torch.exp(O)
            return e / e.sum(dim=1, keepdim=True)
    '''),
    "softmax_over_dim_0_when_square": ("softmax", '''
        def softmax(O):
            dim = 0 if O.shape[0] == O.shape[1] else 1  # guesses the class axis from the shape
            e = torch.exp(O - O.amax(dim=dim, keepdim=True))
            return e / e.sum(dim=dim, keepdim=True)
    '''),
    "softmax_subtracts_the_global_max": ("softmax", '''
        def softmax(O):
            e = torch.exp(O - O.max())  # a row far below the global max underflows to 0 / 0
            return e / e.sum(dim=1, keepdim=True)
    '''),
    # ---------------------------------------------------------------- cross_entropy
    "cross_entropy_gathers_an_n_by_n_matrix": ("cross_entropy", '''
        def cross_entropy(y_hat, y):
            return -torch.log(y_hat[:, y])
    '''),
    "cross_entropy_onehot_times_log": ("cross_entropy", '''
        def cross_entropy(y_hat, y):
            onehot = torch.nn.functional.one_hot(y, y_hat.shape[1]).to(y_hat.dtype)
            return -(onehot * torch.log(y_hat)).sum(dim=1)  # 0 * log 0 = NaN
    '''),
    "cross_entropy_squeezes_away_a_single_row": ("cross_entropy", '''
        def cross_entropy(y_hat, y):
            # squeeze() drops the row dim too when n == 1: shape () instead of (1,)
            return -torch.log(y_hat.gather(1, y.unsqueeze(1))).squeeze()
    '''),
    "cross_entropy_returns_the_mean": ("cross_entropy", '''
        def cross_entropy(y_hat, y):
            return -torch.log(y_hat[torch.arange(len(y), device=y_hat.device), y]).mean()
    '''),
    "cross_entropy_forgets_the_minus_sign": ("cross_entropy", '''
        def cross_entropy(y_hat, y):
            return torch.log(y_hat[torch.arange(len(y), device=y_hat.device), y])
    '''),
    # ---------------------------------------------------------------- softmax_cross_entropy
    "softmax_cross_entropy_via_log_of_softmax": ("softmax_cross_entropy", '''
        def softmax_cross_entropy(O, y):
            return cross_entropy(softmax(O), y)  # log(0) = -inf where the probability underflows
    '''),
    "softmax_cross_entropy_without_max_subtraction": ("softmax_cross_entropy", '''
        def softmax_cross_entropy(O, y):
            picked = O.gather(1, y.unsqueeze(1)).squeeze(1)
            return torch.log(torch.exp(O).sum(dim=1)) - picked
    '''),
    "softmax_cross_entropy_forgets_to_add_the_max_back": ("softmax_cross_entropy", '''
        def softmax_cross_entropy(O, y):
            m = O.amax(dim=1, keepdim=True)
            picked = O.gather(1, y.unsqueeze(1)).squeeze(1)
            return torch.log(torch.exp(O - m).sum(dim=1)) - picked
    '''),
    # ---------------------------------------------------------------- softmax_cross_entropy_grad
    "softmax_cross_entropy_grad_without_the_onehot": ("softmax_cross_entropy_grad", '''
        def softmax_cross_entropy_grad(O, y):
            return _softmax(O)
    '''),
    "softmax_cross_entropy_grad_sign_flipped": ("softmax_cross_entropy_grad", '''
        def softmax_cross_entropy_grad(O, y):
            onehot = torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0)
            return onehot - _softmax(O)
    '''),
    "softmax_cross_entropy_grad_divided_by_n": ("softmax_cross_entropy_grad", '''
        def softmax_cross_entropy_grad(O, y):
            onehot = torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0)
            return (_softmax(O) - onehot) / O.shape[0]  # the gradient of the mean loss
    '''),
    "softmax_cross_entropy_grad_one_hot_without_num_classes": ("softmax_cross_entropy_grad", '''
        def softmax_cross_entropy_grad(O, y):
            onehot = torch.nn.functional.one_hot(y)  # max(y) + 1 columns, not q
            return _softmax(O)[:, :onehot.shape[1]] - onehot.to(O.dtype)
    '''),
    # ---------------------------------------------------------------- accuracy
    "accuracy_last_maximum_on_ties": ("accuracy", '''
        def accuracy(y_hat, y):
            last = y_hat.shape[1] - 1 - y_hat.flip(1).argmax(dim=1)
            return int((last == y).sum()) / y.shape[0]
    '''),
    "accuracy_returns_a_tensor": ("accuracy", '''
        def accuracy(y_hat, y):
            return (y_hat.argmax(dim=1) == y).to(y_hat.dtype).mean()
    '''),
    "accuracy_argmax_over_dim_0": ("accuracy", '''
        def accuracy(y_hat, y):
            pred = y_hat.argmax(dim=0)
            n = min(len(pred), len(y))
            return int((pred[:n] == y[:n]).sum()) / y.shape[0]
    '''),
    "accuracy_returns_the_count": ("accuracy", '''
        def accuracy(y_hat, y):
            return float((y_hat.argmax(dim=1) == y).sum())
    '''),
    "accuracy_argmax_over_dim_0_when_square": ("accuracy", '''
        def accuracy(y_hat, y):
            # guesses the class axis from the shape: wrong exactly when n == q
            dim = 0 if y_hat.shape[0] == y_hat.shape[1] else 1
            return int((y_hat.argmax(dim=dim) == y).sum()) / y.shape[0]
    '''),
}
