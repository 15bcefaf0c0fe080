"""Plausible mistakes in the losses topic, one wrong function each."""

MUTANTS = {
    "huber_without_minus_half_delta": ("huber_loss", '''
        def huber_loss(y_hat, y, delta=1.0):
            # the notes' version: jumps from δ²/2 to δ² at |e| = δ
            _check_delta("huber_loss", delta)
            a = _residual(y_hat, y).abs()
            return torch.where(a <= delta, a ** 2 / 2, delta * a)
    '''),
    "huber_quadratic_without_half": ("huber_loss", '''
        def huber_loss(y_hat, y, delta=1.0):
            _check_delta("huber_loss", delta)
            a = _residual(y_hat, y).abs()
            return torch.where(a <= delta, a ** 2, delta * (a - delta / 2))
    '''),
    "huber_is_smooth_l1": ("huber_loss", '''
        def huber_loss(y_hat, y, delta=1.0):
            # torch's SmoothL1Loss with beta = delta: Huber's loss divided by delta
            _check_delta("huber_loss", delta)
            a = _residual(y_hat, y).abs()
            return torch.where(a < delta, a ** 2 / (2 * delta), a - delta / 2)
    '''),
    "huber_reduced_to_the_mean": ("huber_loss", '''
        def huber_loss(y_hat, y, delta=1.0):
            _check_delta("huber_loss", delta)
            a = _residual(y_hat, y).abs()
            return torch.where(a <= delta, a ** 2 / 2, delta * (a - delta / 2)).mean()
    '''),
    "huber_no_delta_check": ("huber_loss", '''
        def huber_loss(y_hat, y, delta=1.0):
            a = _residual(y_hat, y).abs()
            return torch.where(a <= delta, a ** 2 / 2, delta * (a - delta / 2))
    '''),
    "huber_delta_check_lets_nan_through": ("huber_loss", '''
        def huber_loss(y_hat, y, delta=1.0):
            if delta <= 0:
                raise ValueError(f"delta={delta} must be > 0")
            a = _residual(y_hat, y).abs()
            return torch.where(a <= delta, a ** 2 / 2, delta * (a - delta / 2))
    '''),
    "huber_delta_check_by_assert": ("huber_loss", '''
        def huber_loss(y_hat, y, delta=1.0):
            assert delta > 0, "delta must be positive"
            a = _residual(y_hat, y).abs()
            return torch.where(a <= delta, a ** 2 / 2, delta * (a - delta / 2))
    '''),
    "huber_loss_grad_sign_everywhere": ("huber_loss_grad", '''
        def huber_loss_grad(y_hat, y, delta=1.0):
            _check_delta("huber_loss_grad", delta)
            return delta * torch.sign(_residual(y_hat, y))
    '''),
    "huber_loss_grad_not_clamped": ("huber_loss_grad", '''
        def huber_loss_grad(y_hat, y, delta=1.0):
            _check_delta("huber_loss_grad", delta)
            return _residual(y_hat, y)
    '''),
    "huber_loss_grad_clamped_above_only": ("huber_loss_grad", '''
        def huber_loss_grad(y_hat, y, delta=1.0):
            _check_delta("huber_loss_grad", delta)
            return _residual(y_hat, y).clamp(max=delta)
    '''),
    "huber_loss_grad_with_respect_to_y": ("huber_loss_grad", '''
        def huber_loss_grad(y_hat, y, delta=1.0):
            _check_delta("huber_loss_grad", delta)
            return (y.reshape(y_hat.shape) - y_hat).clamp(-delta, delta)
    '''),
    "huber_loss_grad_of_smooth_l1": ("huber_loss_grad", '''
        def huber_loss_grad(y_hat, y, delta=1.0):
            # torch's SmoothL1Loss with beta = delta is Huber's loss divided by delta
            _check_delta("huber_loss_grad", delta)
            e = _residual(y_hat, y)
            return torch.where(e.abs() <= delta, e / delta, torch.sign(e))
    '''),
    "huber_loss_grad_no_delta_check": ("huber_loss_grad", '''
        def huber_loss_grad(y_hat, y, delta=1.0):
            return _residual(y_hat, y).clamp(-delta, delta)
    '''),
    "l1_loss_without_abs": ("l1_loss", '''
        def l1_loss(y_hat, y):
            return _residual(y_hat, y)
    '''),
    "l1_loss_y_not_reshaped": ("l1_loss", '''
        def l1_loss(y_hat, y):
            # a (n,) y against a (n, 1) y_hat broadcasts to (n, n)
            return (y_hat - y).abs()
    '''),
    "l1_loss_reduced_to_the_mean": ("l1_loss", '''
        def l1_loss(y_hat, y):
            return _residual(y_hat, y).abs().mean()
    '''),
    "l2_loss_without_half": ("l2_loss", '''
        def l2_loss(y_hat, y):
            return _residual(y_hat, y) ** 2
    '''),
    "l2_loss_summed": ("l2_loss", '''
        def l2_loss(y_hat, y):
            return (_residual(y_hat, y) ** 2 / 2).sum()
    '''),
    "l2_loss_y_hat_reshaped_to_y": ("l2_loss", '''
        def l2_loss(y_hat, y):
            return (y_hat.reshape(y.shape) - y) ** 2 / 2
    '''),
    "l2_loss_in_place_on_y_hat": ("l2_loss", '''
        def l2_loss(y_hat, y):
            return y_hat.sub_(y.reshape(y_hat.shape)).pow_(2).div_(2)
    '''),
    "l2_penalty_without_half": ("l2_penalty", '''
        def l2_penalty(w):
            return (w ** 2).sum()
    '''),
    "l2_penalty_is_the_norm": ("l2_penalty", '''
        def l2_penalty(w):
            return torch.sqrt((w ** 2).sum())
    '''),
    "l2_penalty_as_a_python_number": ("l2_penalty", '''
        def l2_penalty(w):
            return torch.tensor((w ** 2).sum().item() / 2, dtype=w.dtype, device=w.device)
    '''),
    "l2_penalty_detached": ("l2_penalty", '''
        def l2_penalty(w):
            return (w.detach() ** 2).sum() / 2
    '''),
    "l2_penalty_sums_the_first_dim_only": ("l2_penalty", '''
        def l2_penalty(w):
            # right for a (d,) w, a (d, 1) weight gives (1,), a (d, q) one q penalties
            return (w ** 2).sum(dim=0) / 2
    '''),
    "l2_penalty_in_float64": ("l2_penalty", '''
        def l2_penalty(w):
            return (w.double() ** 2).sum() / 2
    '''),
}
