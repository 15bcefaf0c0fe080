"""Plausible mistakes in the mlp topic, each redefining one function of the reference."""

MUTANTS = {
    # ---------------------------------------------------------------- init_mlp_params
    "init_sigma_squared_as_std": ("init_mlp_params", '''
        def init_mlp_params(num_inputs, num_hiddens, num_outputs, sigma=0.01, generator=None):
            if min(num_inputs, num_hiddens, num_outputs) < 1 or math.isnan(sigma) or sigma < 0:
                raise ValueError(f"bad arguments: sizes {num_inputs, num_hiddens, num_outputs}, sigma={sigma}")
            var = sigma ** 2  # N(0, σ²) read as torch.normal(0, σ²): the variance passed as the std
            W1 = torch.normal(0.0, var, size=(num_inputs, num_hiddens), generator=generator).requires_grad_()
            W2 = torch.normal(0.0, var, size=(num_hiddens, num_outputs), generator=generator).requires_grad_()
            return [W1, torch.zeros(num_hiddens, requires_grad=True), W2, torch.zeros(num_outputs, requires_grad=True)]
    '''),
    "init_random_biases": ("init_mlp_params", '''
        def init_mlp_params(num_inputs, num_hiddens, num_outputs, sigma=0.01, generator=None):
            if min(num_inputs, num_hiddens, num_outputs) < 1 or math.isnan(sigma) or sigma < 0:
                raise ValueError(f"bad arguments: sizes {num_inputs, num_hiddens, num_outputs}, sigma={sigma}")
            W1 = _normal_leaf((num_inputs, num_hiddens), sigma, generator)
            b1 = _normal_leaf((num_hiddens,), sigma, generator)  # biases drawn like the weights
            W2 = _normal_leaf((num_hiddens, num_outputs), sigma, generator)
            b2 = _normal_leaf((num_outputs,), sigma, generator)
            return [W1, b1, W2, b2]
    '''),
    "init_w1_transposed": ("init_mlp_params", '''
        def init_mlp_params(num_inputs, num_hiddens, num_outputs, sigma=0.01, generator=None):
            if min(num_inputs, num_hiddens, num_outputs) < 1 or math.isnan(sigma) or sigma < 0:
                raise ValueError(f"bad arguments: sizes {num_inputs, num_hiddens, num_outputs}, sigma={sigma}")
            W1 = _normal_leaf((num_hiddens, num_inputs), sigma, generator)  # nn.Linear's (out, in) layout
            W2 = _normal_leaf((num_outputs, num_hiddens), sigma, generator)
            return [W1, torch.zeros(num_hiddens, requires_grad=True), W2, torch.zeros(num_outputs, requires_grad=True)]
    '''),
    "init_params_not_requiring_grad": ("init_mlp_params", '''
        def init_mlp_params(num_inputs, num_hiddens, num_outputs, sigma=0.01, generator=None):
            if min(num_inputs, num_hiddens, num_outputs) < 1 or math.isnan(sigma) or sigma < 0:
                raise ValueError(f"bad arguments: sizes {num_inputs, num_hiddens, num_outputs}, sigma={sigma}")
            W1 = torch.randn(num_inputs, num_hiddens, generator=generator) * sigma
            W2 = torch.randn(num_hiddens, num_outputs, generator=generator) * sigma
            return [W1, torch.zeros(num_hiddens), W2, torch.zeros(num_outputs)]
    '''),
    "init_weights_are_not_leaves": ("init_mlp_params", '''
        def init_mlp_params(num_inputs, num_hiddens, num_outputs, sigma=0.01, generator=None):
            if min(num_inputs, num_hiddens, num_outputs) < 1 or math.isnan(sigma) or sigma < 0:
                raise ValueError(f"bad arguments: sizes {num_inputs, num_hiddens, num_outputs}, sigma={sigma}")
            # requires_grad before the scaling: W is the output of a multiplication, not a leaf
            W1 = torch.randn(num_inputs, num_hiddens, generator=generator, requires_grad=True) * sigma
            W2 = torch.randn(num_hiddens, num_outputs, generator=generator, requires_grad=True) * sigma
            return [W1, torch.zeros(num_hiddens, requires_grad=True), W2, torch.zeros(num_outputs, requires_grad=True)]
    '''),
    "init_uniform_rand_instead_of_randn": ("init_mlp_params", '''
        def init_mlp_params(num_inputs, num_hiddens, num_outputs, sigma=0.01, generator=None):
            if min(num_inputs, num_hiddens, num_outputs) < 1 or math.isnan(sigma) or sigma < 0:
                raise ValueError(f"bad arguments: sizes {num_inputs, num_hiddens, num_outputs}, sigma={sigma}")
            W1 = (torch.rand(num_inputs, num_hiddens, generator=generator) * sigma).requires_grad_()
            W2 = (torch.rand(num_hiddens, num_outputs, generator=generator) * sigma).requires_grad_()
            return [W1, torch.zeros(num_hiddens, requires_grad=True), W2, torch.zeros(num_outputs, requires_grad=True)]
    '''),
    "init_ignores_the_generator": ("init_mlp_params", '''
        def init_mlp_params(num_inputs, num_hiddens, num_outputs, sigma=0.01, generator=None):
            if min(num_inputs, num_hiddens, num_outputs) < 1 or math.isnan(sigma) or sigma < 0:
                raise ValueError(f"bad arguments: sizes {num_inputs, num_hiddens, num_outputs}, sigma={sigma}")
            W1 = (torch.randn(num_inputs, num_hiddens) * sigma).requires_grad_()
            W2 = (torch.randn(num_hiddens, num_outputs) * sigma).requires_grad_()
            return [W1, torch.zeros(num_hiddens, requires_grad=True), W2, torch.zeros(num_outputs, requires_grad=True)]
    '''),
    "init_float64_from_numpy": ("init_mlp_params", '''
        def init_mlp_params(num_inputs, num_hiddens, num_outputs, sigma=0.01, generator=None):
            import numpy as np
            if min(num_inputs, num_hiddens, num_outputs) < 1 or math.isnan(sigma) or sigma < 0:
                raise ValueError(f"bad arguments: sizes {num_inputs, num_hiddens, num_outputs}, sigma={sigma}")
            W1 = torch.from_numpy(np.random.normal(0, sigma, (num_inputs, num_hiddens))).requires_grad_()
            W2 = torch.from_numpy(np.random.normal(0, sigma, (num_hiddens, num_outputs))).requires_grad_()
            return [W1, torch.zeros(num_hiddens, requires_grad=True), W2, torch.zeros(num_outputs, requires_grad=True)]
    '''),
    "init_without_argument_checks": ("init_mlp_params", '''
        def init_mlp_params(num_inputs, num_hiddens, num_outputs, sigma=0.01, generator=None):
            W1 = _normal_leaf((num_inputs, num_hiddens), abs(sigma), generator)
            W2 = _normal_leaf((num_hiddens, num_outputs), abs(sigma), generator)
            return [W1, torch.zeros(num_hiddens, requires_grad=True), W2, torch.zeros(num_outputs, requires_grad=True)]
    '''),
    "init_lets_a_nan_sigma_through": ("init_mlp_params", '''
        def init_mlp_params(num_inputs, num_hiddens, num_outputs, sigma=0.01, generator=None):
            if min(num_inputs, num_hiddens, num_outputs) < 1 or sigma < 0:  # NaN < 0 is False
                raise ValueError(f"bad arguments: sizes {num_inputs, num_hiddens, num_outputs}, sigma={sigma}")
            W1 = _normal_leaf((num_inputs, num_hiddens), sigma, generator)
            W2 = _normal_leaf((num_hiddens, num_outputs), sigma, generator)
            return [W1, torch.zeros(num_hiddens, requires_grad=True), W2, torch.zeros(num_outputs, requires_grad=True)]
    '''),
    # ---------------------------------------------------------------- mlp_forward
    "forward_without_relu": ("mlp_forward", '''
        def mlp_forward(X, params):
            W1, b1, W2, b2 = params
            return (X @ W1 + b1) @ W2 + b2
    '''),
    "forward_with_sigmoid": ("mlp_forward", '''
        def mlp_forward(X, params):
            W1, b1, W2, b2 = params
            return torch.sigmoid(X @ W1 + b1) @ W2 + b2
    '''),
    "forward_relu_on_the_logits_too": ("mlp_forward", '''
        def mlp_forward(X, params):
            W1, b1, W2, b2 = params
            return torch.relu(torch.relu(X @ W1 + b1) @ W2 + b2)
    '''),
    "forward_adds_b1_after_the_relu": ("mlp_forward", '''
        def mlp_forward(X, params):
            W1, b1, W2, b2 = params
            return (torch.relu(X @ W1) + b1) @ W2 + b2
    '''),
    "forward_detaches": ("mlp_forward", '''
        def mlp_forward(X, params):
            W1, b1, W2, b2 = (p.detach() for p in params)  # the optimizer's gradients never arrive
            return torch.relu(X @ W1 + b1) @ W2 + b2
    '''),
    "forward_under_no_grad": ("mlp_forward", '''
        def mlp_forward(X, params):
            W1, b1, W2, b2 = params
            with torch.no_grad():
                return torch.relu(X @ W1 + b1) @ W2 + b2
    '''),
    # ---------------------------------------------------------------- mlp_backward
    "backward_without_the_1_over_n": ("mlp_backward", '''
        def mlp_backward(X, y, params):
            W1, b1, W2, b2 = (p.detach() for p in params)
            Z = X.detach() @ W1 + b1
            H = torch.relu(Z)
            O = H @ W2 + b2
            dO = _softmax(O) - torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0)  # the summed loss
            dZ = (dO @ W2.T) * (Z > 0)
            return [X.detach().T @ dZ, dZ.sum(dim=0), H.T @ dO, dO.sum(dim=0)]
    '''),
    "backward_divides_by_n_times_q": ("mlp_backward", '''
        def mlp_backward(X, y, params):
            W1, b1, W2, b2 = (p.detach() for p in params)
            Z = X.detach() @ W1 + b1
            H = torch.relu(Z)
            O = H @ W2 + b2
            dO = (_softmax(O) - torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0)) / O.numel()  # mean over all entries
            dZ = (dO @ W2.T) * (Z > 0)
            return [X.detach().T @ dZ, dZ.sum(dim=0), H.T @ dO, dO.sum(dim=0)]
    '''),
    "backward_mask_from_h_at_or_above_0": ("mlp_backward", '''
        def mlp_backward(X, y, params):
            W1, b1, W2, b2 = (p.detach() for p in params)
            H = torch.relu(X.detach() @ W1 + b1)
            O = H @ W2 + b2
            dO = (_softmax(O) - torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0)) / X.shape[0]
            dZ = (dO @ W2.T) * (H >= 0)  # always true: no mask at all
            return [X.detach().T @ dZ, dZ.sum(dim=0), H.T @ dO, dO.sum(dim=0)]
    '''),
    "backward_mask_at_z_at_or_above_0": ("mlp_backward", '''
        def mlp_backward(X, y, params):
            W1, b1, W2, b2 = (p.detach() for p in params)
            Z = X.detach() @ W1 + b1
            H = torch.relu(Z)
            O = H @ W2 + b2
            dO = (_softmax(O) - torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0)) / X.shape[0]
            dZ = (dO @ W2.T) * (Z >= 0)  # ReLU'(0) taken as 1
            return [X.detach().T @ dZ, dZ.sum(dim=0), H.T @ dO, dO.sum(dim=0)]
    '''),
    "backward_mask_multiplies_by_z": ("mlp_backward", '''
        def mlp_backward(X, y, params):
            W1, b1, W2, b2 = (p.detach() for p in params)
            Z = X.detach() @ W1 + b1
            H = torch.relu(Z)
            O = H @ W2 + b2
            dO = (_softmax(O) - torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0)) / X.shape[0]
            dZ = (dO @ W2.T) * H  # relu(Z) instead of its derivative [Z > 0]
            return [X.detach().T @ dZ, dZ.sum(dim=0), H.T @ dO, dO.sum(dim=0)]
    '''),
    "backward_transpose_on_the_wrong_side": ("mlp_backward", '''
        def mlp_backward(X, y, params):
            W1, b1, W2, b2 = (p.detach() for p in params)
            Z = X.detach() @ W1 + b1
            H = torch.relu(Z)
            O = H @ W2 + b2
            dO = (_softmax(O) - torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0)) / X.shape[0]
            dZ = (dO @ W2.T) * (Z > 0)
            return [dZ.T @ X.detach(), dZ.sum(dim=0), dO.T @ H, dO.sum(dim=0)]  # (h, d) and (q, h)
    '''),
    "backward_dh_without_transpose": ("mlp_backward", '''
        def mlp_backward(X, y, params):
            W1, b1, W2, b2 = (p.detach() for p in params)
            Z = X.detach() @ W1 + b1
            H = torch.relu(Z)
            O = H @ W2 + b2
            dO = (_softmax(O) - torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0)) / X.shape[0]
            dZ = (dO @ W2) * (Z > 0)  # shapes fit only when h == q
            return [X.detach().T @ dZ, dZ.sum(dim=0), H.T @ dO, dO.sum(dim=0)]
    '''),
    "backward_bias_gradients_averaged_over_the_batch": ("mlp_backward", '''
        def mlp_backward(X, y, params):
            W1, b1, W2, b2 = (p.detach() for p in params)
            Z = X.detach() @ W1 + b1
            H = torch.relu(Z)
            O = H @ W2 + b2
            dO = (_softmax(O) - torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0)) / X.shape[0]
            dZ = (dO @ W2.T) * (Z > 0)
            return [X.detach().T @ dZ, dZ.mean(dim=0), H.T @ dO, dO.mean(dim=0)]  # 1/n once more
    '''),
    "backward_bias_gradients_not_summed": ("mlp_backward", '''
        def mlp_backward(X, y, params):
            W1, b1, W2, b2 = (p.detach() for p in params)
            Z = X.detach() @ W1 + b1
            H = torch.relu(Z)
            O = H @ W2 + b2
            dO = (_softmax(O) - torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0)) / X.shape[0]
            dZ = (dO @ W2.T) * (Z > 0)
            return [X.detach().T @ dZ, dZ[0], H.T @ dO, dO[0]]  # the first example's only
    '''),
    "backward_sign_flipped": ("mlp_backward", '''
        def mlp_backward(X, y, params):
            W1, b1, W2, b2 = (p.detach() for p in params)
            Z = X.detach() @ W1 + b1
            H = torch.relu(Z)
            O = H @ W2 + b2
            dO = (torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0) - _softmax(O)) / X.shape[0]
            dZ = (dO @ W2.T) * (Z > 0)
            return [X.detach().T @ dZ, dZ.sum(dim=0), H.T @ dO, dO.sum(dim=0)]
    '''),
    "backward_returns_in_backprop_order": ("mlp_backward", '''
        def mlp_backward(X, y, params):
            W1, b1, W2, b2 = (p.detach() for p in params)
            Z = X.detach() @ W1 + b1
            H = torch.relu(Z)
            O = H @ W2 + b2
            dO = (_softmax(O) - torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0)) / X.shape[0]
            dZ = (dO @ W2.T) * (Z > 0)
            return [H.T @ dO, dO.sum(dim=0), X.detach().T @ dZ, dZ.sum(dim=0)]  # [dW2, db2, dW1, db1]
    '''),
    "backward_softmax_over_the_batch": ("mlp_backward", '''
        def mlp_backward(X, y, params):
            W1, b1, W2, b2 = (p.detach() for p in params)
            Z = X.detach() @ W1 + b1
            H = torch.relu(Z)
            O = H @ W2 + b2
            e = torch.exp(O - O.amax(dim=0, keepdim=True))
            dO = (e / e.sum(dim=0, keepdim=True) - torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0)) / X.shape[0]
            dZ = (dO @ W2.T) * (Z > 0)
            return [X.detach().T @ dZ, dZ.sum(dim=0), H.T @ dO, dO.sum(dim=0)]
    '''),
    "backward_keeps_the_autograd_graph": ("mlp_backward", '''
        def mlp_backward(X, y, params):
            W1, b1, W2, b2 = params  # not detached: the results require grad when the params do
            Z = X @ W1 + b1
            H = torch.relu(Z)
            O = H @ W2 + b2
            dO = (_softmax(O) - torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0)) / X.shape[0]
            dZ = (dO @ W2.T) * (Z > 0)
            return [X.T @ dZ, dZ.sum(dim=0), H.T @ dO, dO.sum(dim=0)]
    '''),
    "backward_sets_the_params_grad": ("mlp_backward", '''
        def mlp_backward(X, y, params):
            W1, b1, W2, b2 = (p.detach() for p in params)
            Z = X.detach() @ W1 + b1
            H = torch.relu(Z)
            O = H @ W2 + b2
            dO = (_softmax(O) - torch.zeros_like(O).scatter_(1, y.unsqueeze(1), 1.0)) / X.shape[0]
            dZ = (dO @ W2.T) * (Z > 0)
            grads = [X.detach().T @ dZ, dZ.sum(dim=0), H.T @ dO, dO.sum(dim=0)]
            for p, g in zip(params, grads):
                p.grad = g.clone()  # as .backward() would: the spec says no .grad
            return grads
    '''),
}
