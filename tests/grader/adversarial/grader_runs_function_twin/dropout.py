"""Honest twin: Dropout checks p, then is not implemented."""


def dropout_layer(X, dropout, generator=None):
    raise NotImplementedError


def Dropout(p=0.5):
    if not 0 <= p <= 1:
        raise ValueError(f"Dropout(): p={p} must be in [0, 1]")
    raise NotImplementedError
