"""NumPy's ``einsum`` lazily: subscripts parsed (ellipses as broadcast labels, an index
repeated within an operand as its diagonal), each operand's own indices summed, then
the operands contracted pairwise, each pair as one (batched) matrix product, in the
order NumPy's greedy path chooses for three or more (the smallest intermediates first;
the optimizer's matrix-chain rules may reassociate the products further)."""

import numpy as _np

from ._core import _by_numpy, asarray
from ._functions import broadcast_to

__all__ = ["einsum"]

# Labels for the axes an ellipsis covers (never letters, so never a user's label).
_ELLIPSIS_LABELS = [chr(0x3b1 + k) for k in range(24)]  # α, β, ...


def einsum(subscripts, *operands, out=None, dtype=None, order="K", casting="safe",
           optimize=False):
    """NumPy's ``einsum`` for explicit or implicit subscripts (ellipses and repeated
    indices included): lazily, as diagonals, sums and batched matrix products; an
    ``out``, a ``dtype``, a casting rule other than 'safe', bool operands and the
    operand-list form are NumPy's."""
    arrays = [asarray(x) for x in operands] if isinstance(subscripts, str) else None
    parsed = _parse_einsum(subscripts, [x.ndim for x in arrays]) if arrays else None
    if parsed is None or out is not None or dtype is not None or casting != "safe":
        return _by_numpy(_np.einsum, subscripts, *operands, out=out, dtype=dtype, order=order,
                         casting=casting, optimize=optimize)
    inputs, output = parsed
    result_dtype = _np.result_type(*(x.dtype for x in arrays))
    if result_dtype == _np.bool_:
        return _by_numpy(_np.einsum, subscripts, *operands, optimize=optimize)
    terms = [_diagonals(labels, x.astype(result_dtype)) for labels, x in zip(inputs, arrays)]
    sizes = {}
    for k, (labels, x) in enumerate(terms):
        for label, n in zip(labels, x.shape):
            if sizes.setdefault(label, n) != n and n != 1 and sizes[label] != 1:
                raise ValueError(f"operands could not be broadcast together with remapped "
                                 f"shapes (label {label!r}: {sizes[label]} and {n})")
            sizes[label] = max(sizes[label], n)
    # Sum each operand's own indices (in no other operand and not in the output).
    for k, (labels, x) in enumerate(terms):
        others = set(output).union(*(set(lab) for j, (lab, _) in enumerate(terms) if j != k))
        own = [i for i, label in enumerate(labels) if label not in others]
        if own:
            x = x.sum(axis=tuple(own), dtype=result_dtype)
            labels = "".join(label for label in labels if label in others)
        terms[k] = (labels, x)
    for step in _path(terms, output, sizes):
        # The operands of this step leave the list; their product joins at the end.
        chosen = [terms[k] for k in step]
        rest = [t for k, t in enumerate(terms) if k not in step]
        later = set(output).union(*(set(lab) for lab, _ in rest))
        labels, x = chosen[0]
        for k, (lb, b) in enumerate(chosen[1:], 2):
            keep = later.union(*(set(lab) for lab, _ in chosen[k:]))
            labels, x = _contract(labels, x, lb, b, keep, sizes, result_dtype)
        terms = rest + [(labels, x)]
    labels, x = terms[0]
    # Indices left that the output lacks (a single operand's): summed.
    extra = [i for i, label in enumerate(labels) if label not in output]
    if extra:
        x = x.sum(axis=tuple(extra), dtype=result_dtype)
        labels = "".join(label for label in labels if label in output)
    if labels != output:
        x = x.transpose([labels.index(label) for label in output])
    shape = tuple(sizes[label] for label in output)
    return x if x.shape == shape else broadcast_to(x, shape)


def _parse_einsum(subscripts, ndims):
    """(input labels per operand, output labels), each a string with an ellipsis's axes
    as labels of their own, or None for forms left to NumPy."""
    text = subscripts.replace(" ", "")
    left, arrow, right = text.partition("->")
    inputs = left.split(",")
    if len(inputs) != len(ndims):
        raise ValueError("more operands provided to einstein sum function than specified "
                         "in the subscripts string" if len(ndims) > len(inputs) else
                         "fewer operands provided to einstein sum function than specified "
                         "in the subscripts string")
    widest = 0
    for labels, ndim in zip(inputs, ndims):
        if "..." in labels:
            widest = max(widest, ndim - len(labels.replace("...", "")))
    if widest > len(_ELLIPSIS_LABELS):
        return None
    covered = "".join(_ELLIPSIS_LABELS[len(_ELLIPSIS_LABELS) - widest:])
    expanded = []
    for k, (labels, ndim) in enumerate(zip(inputs, ndims)):
        if labels.count("...") > 1 or "." in labels.replace("...", ""):
            return None
        if "..." in labels:
            width = ndim - len(labels.replace("...", ""))
            if width < 0:
                raise ValueError(f"einstein sum subscripts string contains too many "
                                 f"subscripts for operand {k}")
            labels = labels.replace("...", covered[len(covered) - width:])
        elif len(labels) != ndim:
            raise ValueError(f"einstein sum subscripts string contains too many subscripts "
                             f"for operand {k}" if len(labels) > ndim else
                             f"operand has more dimensions than subscripts given in einstein "
                             f"sum, but no '...' ellipsis provided to broadcast the extra "
                             f"dimensions.")
        if not all(label.isalpha() and label.isascii() or label in covered for label in labels):
            return None
        expanded.append(labels)
    if arrow:
        output = right
        if output.count("...") > 1 or "." in output.replace("...", ""):
            return None
        output = output.replace("...", covered)
        if not all(label.isascii() and label.isalpha() or label in covered for label in output) \
                or len(set(output)) != len(output):
            return None
        if not set(output) <= set("".join(expanded)):
            raise ValueError("einstein sum subscripts string included output subscript "
                             "which never appeared in an input")
    else:
        counts = {}
        for label in "".join(expanded):
            counts[label] = counts.get(label, 0) + 1
        output = covered + "".join(sorted(label for label, c in counts.items()
                                          if c == 1 and label not in covered))
    return expanded, output


def _diagonals(labels, x):
    """An operand whose labels repeat (``ii``) as its diagonals, each repeated label
    once (last)."""
    while len(set(labels)) != len(labels):
        label = next(label for label in labels if labels.count(label) > 1)
        p = labels.index(label)
        q = labels.index(label, p + 1)
        if x.shape[p] != x.shape[q]:
            raise ValueError(f"dimensions in operand for collapsing index '{label}' don't "
                             f"match ({x.shape[p]} != {x.shape[q]})")
        x = x.diagonal(axis1=p, axis2=q)
        labels = "".join(lab for k, lab in enumerate(labels) if k not in (p, q)) + label
    return labels, x


def _path(terms, output, sizes):
    """The pairs to contract, in order (positions in the list of terms left, the result
    appended last): NumPy's greedy path for three or more operands, else left to right."""
    if len(terms) < 3:
        return [(0, 1)] * (len(terms) - 1)
    letters = {}

    def letter(label):
        return letters.setdefault(label, chr(ord("a") + len(letters)) if len(letters) < 26
                                  else chr(ord("A") + len(letters) - 26))

    if len(set("".join(lab for lab, _ in terms)) | set(output)) > 52:
        return [(0, 1)] * (len(terms) - 1)
    subscripts = ",".join("".join(letter(c) for c in lab) for lab, _ in terms)
    subscripts += "->" + "".join(letter(c) for c in output)
    # Shapes alone (zero-memory stand-ins): the path depends on nothing else.
    stand_ins = [_np.broadcast_to(_np.empty((), _np.float64), [sizes[c] for c in lab])
                 for lab, _ in terms]
    path = _np.einsum_path(subscripts, *stand_ins, optimize="greedy")[0][1:]
    return [tuple(p) for p in path]


def _contract(la, a, lb, b, keep, sizes, dtype):
    """Two operands contracted over their shared labels not kept: (batch, free a,
    summed) @ (batch, summed, free b), one matrix product; labels of the result."""
    shared = [label for label in la if label in lb]
    summed = [label for label in shared if label not in keep]
    batch = [label for label in shared if label in keep]
    free_a = [label for label in la if label not in shared]
    free_b = [label for label in lb if label not in shared]

    def arrange(labels, x, order):
        x = x.transpose([labels.index(label) for label in order])
        # (Broadcast extents of 1 to the label's size, so the reshape below is exact.)
        shape = [sizes[label] for label in order]
        return x if list(x.shape) == shape else broadcast_to(x, shape)

    def count(labels):
        return int(_np.prod([sizes[label] for label in labels], dtype=_np.int64))

    left = arrange(la, a, batch + free_a + summed).reshape(
        [sizes[label] for label in batch] + [count(free_a), count(summed)])
    right = arrange(lb, b, batch + summed + free_b).reshape(
        [sizes[label] for label in batch] + [count(summed), count(free_b)])
    product = left @ right
    labels = batch + free_a + free_b
    return "".join(labels), product.reshape([sizes[label] for label in labels])


