"""Plausible mistakes in the xavier topic: each redefines one function of the reference."""

MUTANTS = {
    # fan_in_and_fan_out
    "fans_swapped": ("fan_in_and_fan_out", '''
        def fan_in_and_fan_out(shape):
            fan_in, fan_out = _fans(shape)
            return fan_out, fan_in
    '''),
    "receptive_field_ignored": ("fan_in_and_fan_out", '''
        def fan_in_and_fan_out(shape):
            if len(shape) < 2:
                raise ValueError(f"shape={shape} needs 2 dims")
            return shape[1], shape[0]
    '''),
    "receptive_field_summed": ("fan_in_and_fan_out", '''
        def fan_in_and_fan_out(shape):
            if len(shape) < 2:
                raise ValueError(f"shape={shape} needs 2 dims")
            receptive = sum(shape[2:]) if len(shape) > 2 else 1
            return shape[1] * receptive, shape[0] * receptive
    '''),
    "fan_in_is_last_dim": ("fan_in_and_fan_out", '''
        def fan_in_and_fan_out(shape):
            if len(shape) < 2:
                raise ValueError(f"shape={shape} needs 2 dims")
            return shape[-1], shape[0]
    '''),
    "index_error_for_1d": ("fan_in_and_fan_out", '''
        def fan_in_and_fan_out(shape):
            receptive = math.prod(shape[2:])
            return shape[1] * receptive, shape[0] * receptive
    '''),
    "fans_index_a_short_shape_unchecked": ("fan_in_and_fan_out", '''
        def fan_in_and_fan_out(shape):
            receptive = math.prod(shape[2:])  # no check: shape[1] raises IndexError for a 1-D shape
            return shape[1] * receptive, shape[0] * receptive
    '''),
    # xavier_uniform_
    "uniform_fan_in_alone": ("xavier_uniform_", '''
        def xavier_uniform_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            bound = gain * math.sqrt(6.0 / fan_in)
            with torch.no_grad():
                W.uniform_(-bound, bound, generator=generator)
            return W
    '''),
    "uniform_fan_out_alone": ("xavier_uniform_", '''
        def xavier_uniform_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            bound = gain * math.sqrt(6.0 / fan_out)
            with torch.no_grad():
                W.uniform_(-bound, bound, generator=generator)
            return W
    '''),
    "uniform_constant_3_not_6": ("xavier_uniform_", '''
        def xavier_uniform_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            bound = gain * math.sqrt(3.0 / (fan_in + fan_out))
            with torch.no_grad():
                W.uniform_(-bound, bound, generator=generator)
            return W
    '''),
    "uniform_bound_is_the_normal_std": ("xavier_uniform_", '''
        def xavier_uniform_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            bound = gain * math.sqrt(2.0 / (fan_in + fan_out))
            with torch.no_grad():
                W.uniform_(-bound, bound, generator=generator)
            return W
    '''),
    "uniform_forgot_sqrt": ("xavier_uniform_", '''
        def xavier_uniform_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            bound = gain * 6.0 / (fan_in + fan_out)
            with torch.no_grad():
                W.uniform_(-bound, bound, generator=generator)
            return W
    '''),
    "uniform_on_0_a": ("xavier_uniform_", '''
        def xavier_uniform_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
            with torch.no_grad():
                W.copy_(torch.rand(W.shape, generator=generator, dtype=W.dtype, device=W.device) * bound)
            return W
    '''),
    "uniform_gain_squared": ("xavier_uniform_", '''
        def xavier_uniform_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            bound = gain ** 2 * math.sqrt(6.0 / (fan_in + fan_out))
            with torch.no_grad():
                W.uniform_(-bound, bound, generator=generator)
            return W
    '''),
    "uniform_gain_inside_sqrt": ("xavier_uniform_", '''
        def xavier_uniform_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            bound = math.sqrt(6.0 * gain / (fan_in + fan_out))
            with torch.no_grad():
                W.uniform_(-bound, bound, generator=generator)
            return W
    '''),
    "uniform_gain_ignored": ("xavier_uniform_", '''
        def xavier_uniform_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            bound = math.sqrt(6.0 / (fan_in + fan_out))
            with torch.no_grad():
                W.uniform_(-bound, bound, generator=generator)
            return W
    '''),
    "uniform_ignores_generator": ("xavier_uniform_", '''
        def xavier_uniform_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
            with torch.no_grad():
                W.uniform_(-bound, bound)
            return W
    '''),
    "uniform_returns_a_new_tensor": ("xavier_uniform_", '''
        def xavier_uniform_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
            return torch.empty_like(W).uniform_(-bound, bound, generator=generator)
    '''),
    "uniform_forgot_no_grad": ("xavier_uniform_", '''
        def xavier_uniform_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
            return W.uniform_(-bound, bound, generator=generator)
    '''),
    "uniform_drops_requires_grad": ("xavier_uniform_", '''
        def xavier_uniform_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
            W.requires_grad_(False)
            return W.uniform_(-bound, bound, generator=generator)
    '''),
    "uniform_accepts_1d": ("xavier_uniform_", '''
        def xavier_uniform_(W, gain=1.0, generator=None):
            fan_in, fan_out = (W.shape[-1], W.shape[0]) if W.dim() >= 1 else (1, 1)
            bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
            with torch.no_grad():
                W.uniform_(-bound, bound, generator=generator)
            return W
    '''),
    # xavier_normal_
    "normal_fan_in_alone": ("xavier_normal_", '''
        def xavier_normal_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            std = gain * math.sqrt(2.0 / fan_in)
            with torch.no_grad():
                W.normal_(0.0, std, generator=generator)
            return W
    '''),
    "normal_fan_out_alone": ("xavier_normal_", '''
        def xavier_normal_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            std = gain * math.sqrt(2.0 / fan_out)
            with torch.no_grad():
                W.normal_(0.0, std, generator=generator)
            return W
    '''),
    "normal_constant_1_not_2": ("xavier_normal_", '''
        def xavier_normal_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            std = gain * math.sqrt(1.0 / (fan_in + fan_out))
            with torch.no_grad():
                W.normal_(0.0, std, generator=generator)
            return W
    '''),
    "normal_variance_used_as_std": ("xavier_normal_", '''
        def xavier_normal_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            var = gain ** 2 * 2.0 / (fan_in + fan_out)
            with torch.no_grad():
                W.normal_(0.0, var, generator=generator)
            return W
    '''),
    "normal_gain_squared": ("xavier_normal_", '''
        def xavier_normal_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            std = gain ** 2 * math.sqrt(2.0 / (fan_in + fan_out))
            with torch.no_grad():
                W.normal_(0.0, std, generator=generator)
            return W
    '''),
    "normal_std_passed_as_mean": ("xavier_normal_", '''
        def xavier_normal_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            std = gain * math.sqrt(2.0 / (fan_in + fan_out))
            with torch.no_grad():
                W.normal_(std, generator=generator)  # normal_(mean=std, std=1)
            return W
    '''),
    "normal_is_uniform_with_the_right_variance": ("xavier_normal_", '''
        def xavier_normal_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
            with torch.no_grad():
                W.uniform_(-bound, bound, generator=generator)
            return W
    '''),
    "normal_ignores_generator": ("xavier_normal_", '''
        def xavier_normal_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            std = gain * math.sqrt(2.0 / (fan_in + fan_out))
            with torch.no_grad():
                W.normal_(0.0, std)
            return W
    '''),
    "normal_private_generator_when_none": ("xavier_normal_", '''
        def xavier_normal_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            std = gain * math.sqrt(2.0 / (fan_in + fan_out))
            if generator is None:
                generator = torch.Generator(device=W.device)
            with torch.no_grad():
                W.normal_(0.0, std, generator=generator)
            return W
    '''),
    "normal_rebinds_data_default_dtype": ("xavier_normal_", '''
        def xavier_normal_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            std = gain * math.sqrt(2.0 / (fan_in + fan_out))
            W.data = torch.randn(W.shape, generator=generator, device=W.device) * std
            return W
    '''),
    "normal_returns_a_detached_copy": ("xavier_normal_", '''
        def xavier_normal_(W, gain=1.0, generator=None):
            fan_in, fan_out = _fans(tuple(W.shape), "W")
            std = gain * math.sqrt(2.0 / (fan_in + fan_out))
            with torch.no_grad():
                W.normal_(0.0, std, generator=generator)
            return W.detach()
    '''),
}
