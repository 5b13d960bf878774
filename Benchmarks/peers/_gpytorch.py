"""The GPyTorch peers' shared start: thread environment pinned by _common before torch loads, then one intra-
and one inter-op torch thread and float64 as the default dtype. Import it before torch in every GPyTorch peer."""

import _common  # noqa: F401  (pins threads before torch)

import torch  # noqa: E402

torch.set_num_threads(1)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:  # already set
    pass
torch.set_default_dtype(torch.float64)
