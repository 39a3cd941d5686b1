"""Conway's game of life on a torus-free board: neighbour counts by slicing, integer masks."""
import numpy as np

SIZES = {"small": dict(n=48, gens=20), "large": dict(n=3200, gens=2)}


def setup(n, gens):
    rng = np.random.default_rng(1)
    board = (rng.random((n, n)) < 0.3).astype(np.int64)
    return board, gens


def kernel(board, gens):
    for _ in range(gens):
        nb = np.zeros_like(board)
        nb[1:-1, 1:-1] = (board[:-2, :-2] + board[:-2, 1:-1] + board[:-2, 2:]
                          + board[1:-1, :-2] + board[1:-1, 2:]
                          + board[2:, :-2] + board[2:, 1:-1] + board[2:, 2:])
        alive = (nb == 3) | ((board == 1) & (nb == 2))
        board[...] = alive.astype(np.int64)
    return board.sum()
