"""Plausible mistakes in the activations topic, one wrong function each."""

MUTANTS = {
    "relu_grad_one_at_zero": ("relu_grad", '''
        def relu_grad(x):
            return (x >= 0).to(x.dtype)
    '''),
    "relu_grad_half_at_zero": ("relu_grad", '''
        def relu_grad(x):
            # what autograd of torch.maximum(x, 0) gives at a tie
            return 0.5 * (torch.sign(x) + 1)
    '''),
    "relu_grad_returns_bool": ("relu_grad", '''
        def relu_grad(x):
            return x > 0
    '''),
    "relu_clamps_x_in_place": ("relu", '''
        def relu(x):
            return x.clamp_(min=0)
    '''),
    "relu_leaky_slope": ("relu", '''
        def relu(x):
            return torch.where(x > 0, x, 0.01 * x)
    '''),
    "relu_returns_float64": ("relu", '''
        def relu(x):
            return torch.clamp(x.double(), min=0)
    '''),
    "sigmoid_exp_over_one_plus_exp": ("sigmoid", '''
        def sigmoid(x):
            return torch.exp(x) / (1 + torch.exp(x))
    '''),
    "sigmoid_wrong_sign": ("sigmoid", '''
        def sigmoid(x):
            return 1 / (1 + torch.exp(x))
    '''),
    "tanh_textbook_formula": ("tanh", '''
        def tanh(x):
            return (1 - torch.exp(-2 * x)) / (1 + torch.exp(-2 * x))
    '''),
    "tanh_via_sigmoid_of_x": ("tanh", '''
        def tanh(x):
            return 2 * sigmoid(x) - 1
    '''),
    "sigmoid_grad_forgets_one_minus": ("sigmoid_grad", '''
        def sigmoid_grad(x):
            return sigmoid(x)
    '''),
    "sigmoid_grad_textbook_nan": ("sigmoid_grad", '''
        def sigmoid_grad(x):
            e = torch.exp(x)
            return e / (1 + e) ** 2
    '''),
    "tanh_grad_forgets_the_square": ("tanh_grad", '''
        def tanh_grad(x):
            return 1 - tanh(x)
    '''),
    "tanh_grad_is_sigmoid_grad": ("tanh_grad", '''
        def tanh_grad(x):
            return sigmoid_grad(x)
    '''),
}
