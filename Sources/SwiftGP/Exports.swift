/// `import SwiftGP` is the one import a user needs: the linear-algebra layer's public types (`Matrix`,
/// `SeededGenerator`, `BLASThreads`, `HeapPolicy`, `Cholesky`, `JitterPolicy`, …) come with it.
@_exported import GPLinearAlgebra
