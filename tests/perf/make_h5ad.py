"""Writes a synthetic cells x genes CSR .h5ad for the read benchmark.

usage: make_h5ad.py OUT.h5ad [CELLS] [GENES] [DENSITY] [COMPRESSION]
Values are log1p-like float32; indices sorted within rows; obs has a
categorical condition and a float column, var a string index.
"""
import sys

import anndata
import numpy as np
import pandas as pd
import scipy.sparse as sp

out = sys.argv[1]
cells = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
genes = int(sys.argv[3]) if len(sys.argv) > 3 else 5_000
density = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
compression = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] != "none" else None

rng = np.random.default_rng(0)
blocks = []
step = 10_000
for first in range(0, cells, step):
    n = min(step, cells - first)
    mask = rng.random((n, genes), dtype=np.float32) < density
    block = sp.csr_matrix(mask, dtype=np.float32)
    block.data = np.log1p(rng.gamma(2.0, 1.0, size=block.nnz).astype(np.float32))
    blocks.append(block)
X = sp.vstack(blocks, format="csr")
X.indices = X.indices.astype(np.int32)
obs = pd.DataFrame(
    {"condition": pd.Categorical(rng.choice(["ctrl", "A+ctrl", "B+ctrl", "A+B"], size=cells)),
     "ncounts": rng.uniform(1e3, 1e4, size=cells)},
    index=[f"cell{i}" for i in range(cells)])
var = pd.DataFrame(index=[f"GENE{j}" for j in range(genes)])
anndata.AnnData(X=X, obs=obs, var=var).write_h5ad(out, compression=compression)
print(f"{out}: {cells} x {genes}, nnz {X.nnz}, compression {compression}")
