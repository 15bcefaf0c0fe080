"""Plausible mistakes in the kfold topic: each redefines one function of the reference."""

MUTANTS = {
    # kfold_indices
    "remainder_in_last_fold": ("kfold_indices", '''
        def kfold_indices(n, k, shuffle=False, generator=None):
            if not 2 <= k <= n:
                raise ValueError(f"k={k} must be between 2 and n={n}")
            order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
            size, folds = n // k, []
            for j in range(k):
                stop = n if j == k - 1 else (j + 1) * size
                valid = order[j * size:stop].sort().values
                mask = torch.ones(n, dtype=torch.bool)
                mask[valid] = False
                folds.append((torch.arange(n)[mask], valid))
            return folds
    '''),
    "shuffled_valid_not_sorted": ("kfold_indices", '''
        def kfold_indices(n, k, shuffle=False, generator=None):
            folds = _folds(n, k)
            if not shuffle:
                return folds
            order, out, start = torch.randperm(n, generator=generator), [], 0
            for train, valid in folds:
                block = order[start:start + len(valid)]
                mask = torch.ones(n, dtype=torch.bool)
                mask[block] = False
                out.append((torch.arange(n)[mask], block))
                start += len(valid)
            return out
    '''),
    "shuffled_train_not_sorted": ("kfold_indices", '''
        def kfold_indices(n, k, shuffle=False, generator=None):
            folds = _folds(n, k)
            if not shuffle:
                return folds
            order, out, start = torch.randperm(n, generator=generator), [], 0
            for train, valid in folds:
                stop = start + len(valid)
                out.append((torch.cat([order[:start], order[stop:]]), order[start:stop].sort().values))
                start = stop
            return out
    '''),
    "shuffle_ignores_generator": ("kfold_indices", '''
        def kfold_indices(n, k, shuffle=False, generator=None):
            return _folds(n, k, shuffle, None)
    '''),
    "shuffle_ignored": ("kfold_indices", '''
        def kfold_indices(n, k, shuffle=False, generator=None):
            return _folds(n, k)
    '''),
    "train_includes_valid": ("kfold_indices", '''
        def kfold_indices(n, k, shuffle=False, generator=None):
            return [(torch.arange(n), valid) for _, valid in _folds(n, k, shuffle, generator)]
    '''),
    "k_greater_than_n_accepted": ("kfold_indices", '''
        def kfold_indices(n, k, shuffle=False, generator=None):
            if k < 2:
                raise ValueError(f"k={k} must be at least 2")
            return _folds(n, min(k, n), shuffle, generator) if n >= 2 else []
    '''),
    "k_equal_1_accepted": ("kfold_indices", '''
        def kfold_indices(n, k, shuffle=False, generator=None):
            if k == 1:
                return [(torch.arange(0), torch.arange(n))]
            return _folds(n, k, shuffle, generator)
    '''),
    "int32_indices": ("kfold_indices", '''
        def kfold_indices(n, k, shuffle=False, generator=None):
            return [(t.int(), v.int()) for t, v in _folds(n, k, shuffle, generator)]
    '''),
    "strided_folds": ("kfold_indices", '''
        def kfold_indices(n, k, shuffle=False, generator=None):
            if not 2 <= k <= n:
                raise ValueError(f"k={k} must be between 2 and n={n}")
            order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
            folds = []
            for j in range(k):
                valid = order[j::k].sort().values
                mask = torch.ones(n, dtype=torch.bool)
                mask[valid] = False
                folds.append((torch.arange(n)[mask], valid))
            return folds
    '''),
    "kfold_indices_asserts_k_like_d2l": ("kfold_indices", '''
        def kfold_indices(n, k, shuffle=False, generator=None):
            assert 2 <= k <= n, f"k={k} must be between 2 and n={n}"  # d2l's assert, not a ValueError
            return _folds(n, k, shuffle, generator)
    '''),
    # get_k_fold_data
    "d2l_drops_the_remainder": ("get_k_fold_data", '''
        def get_k_fold_data(k, i, X, y):
            if not 0 <= i < k:
                raise ValueError(f"i={i} must be in [0, k)")
            if not 2 <= k <= len(X):
                raise ValueError(f"k={k} must be between 2 and n={len(X)}")
            fold_size = X.shape[0] // k
            X_train, y_train = None, None
            for j in range(k):
                idx = slice(j * fold_size, (j + 1) * fold_size)
                X_part, y_part = X[idx, ...], y[idx]
                if j == i:
                    X_valid, y_valid = X_part, y_part
                elif X_train is None:
                    X_train, y_train = X_part, y_part
                else:
                    X_train = torch.cat([X_train, X_part], 0)
                    y_train = torch.cat([y_train, y_part], 0)
            return X_train, y_train, X_valid, y_valid
    '''),
    "one_based_i": ("get_k_fold_data", '''
        def get_k_fold_data(k, i, X, y):
            if not 0 <= i < k:
                raise ValueError(f"i={i} must be in [0, k)")
            return _fold_data(_folds(len(X), k), i - 1, X, y)
    '''),
    "negative_i_accepted": ("get_k_fold_data", '''
        def get_k_fold_data(k, i, X, y):
            folds = _folds(len(X), k)
            if i >= k:
                raise ValueError(f"i={i} must be < k={k}")
            train, valid = folds[i]
            return X[train.to(X.device)], y[train.to(y.device)], X[valid.to(X.device)], y[valid.to(y.device)]
    '''),
    "index_error_for_bad_i": ("get_k_fold_data", '''
        def get_k_fold_data(k, i, X, y):
            folds = _folds(len(X), k)
            train, valid = folds[i] if i >= 0 else folds[k]
            return X[train.to(X.device)], y[train.to(y.device)], X[valid.to(X.device)], y[valid.to(y.device)]
    '''),
    "sklearn_output_order": ("get_k_fold_data", '''
        def get_k_fold_data(k, i, X, y):
            X_train, y_train, X_valid, y_valid = _fold_data(_folds(len(X), k), i, X, y)
            return X_train, X_valid, y_train, y_valid
    '''),
    "y_not_split_with_x": ("get_k_fold_data", '''
        def get_k_fold_data(k, i, X, y):
            X_train, y_train, X_valid, y_valid = _fold_data(_folds(len(X), k), i, X, y)
            return X_train, y[:len(X_train)], X_valid, y[len(X_train):]
    '''),
    # k_fold_cross_validate
    "returns_tensors": ("k_fold_cross_validate", '''
        def k_fold_cross_validate(train_and_eval, k, X, y):
            folds = _folds(len(X), k)
            scores = torch.tensor([train_and_eval(*_fold_data(folds, i, X, y)) for i in range(k)],
                                  dtype=torch.float64)
            return scores[:, 0].mean(), scores[:, 1].mean()
    '''),
    "sums_not_averages": ("k_fold_cross_validate", '''
        def k_fold_cross_validate(train_and_eval, k, X, y):
            folds = _folds(len(X), k)
            train_total, valid_total = 0.0, 0.0
            for i in range(k):
                train_score, valid_score = train_and_eval(*_fold_data(folds, i, X, y))
                train_total += float(train_score)
                valid_total += float(valid_score)
            return train_total, valid_total
    '''),
    "folds_in_reverse_order": ("k_fold_cross_validate", '''
        def k_fold_cross_validate(train_and_eval, k, X, y):
            folds = _folds(len(X), k)
            train_total, valid_total = 0.0, 0.0
            for i in reversed(range(k)):
                train_score, valid_score = train_and_eval(*_fold_data(folds, i, X, y))
                train_total += float(train_score)
                valid_total += float(valid_score)
            return train_total / k, valid_total / k
    '''),
    "train_and_valid_swapped_in_call": ("k_fold_cross_validate", '''
        def k_fold_cross_validate(train_and_eval, k, X, y):
            folds = _folds(len(X), k)
            train_total, valid_total = 0.0, 0.0
            for i in range(k):
                X_train, y_train, X_valid, y_valid = _fold_data(folds, i, X, y)
                train_score, valid_score = train_and_eval(X_valid, y_valid, X_train, y_train)
                train_total += float(train_score)
                valid_total += float(valid_score)
            return train_total / k, valid_total / k
    '''),
    "means_swapped": ("k_fold_cross_validate", '''
        def k_fold_cross_validate(train_and_eval, k, X, y):
            folds = _folds(len(X), k)
            scores = [train_and_eval(*_fold_data(folds, i, X, y)) for i in range(k)]
            return sum(float(v) for _, v in scores) / k, sum(float(t) for t, _ in scores) / k
    '''),
    "last_fold_only": ("k_fold_cross_validate", '''
        def k_fold_cross_validate(train_and_eval, k, X, y):
            folds = _folds(len(X), k)
            for i in range(k):
                train_score, valid_score = train_and_eval(*_fold_data(folds, i, X, y))
            return float(train_score), float(valid_score)
    '''),
    "k_clamped_to_valid_range": ("k_fold_cross_validate", '''
        def k_fold_cross_validate(train_and_eval, k, X, y):
            k = min(max(k, 2), len(X))
            folds = _folds(len(X), k)
            train_total, valid_total = 0.0, 0.0
            for i in range(k):
                train_score, valid_score = train_and_eval(*_fold_data(folds, i, X, y))
                train_total += float(train_score)
                valid_total += float(valid_score)
            return train_total / k, valid_total / k
    '''),
}
