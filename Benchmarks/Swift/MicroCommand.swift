import Foundation
import GPLinearAlgebra
import SwiftGP

/// `swiftgp-bench kernel-micro --data F.csv [--repeats R]`: the kernel's pieces timed alone (medians), for
/// profiling the stage breakdown of `exact-lml`: Gram matrix, its gradient, cross(X, X), a plain n × n
/// allocation and fill, and the upper-triangle copy (medians, and minima of the kernel pieces).
func kernelMicro(_ args: Arguments) throws {
    let data = try Dataset(csv: try args.require("data"))
    let repeats = try args.int("repeats", default: 10)
    let kernel = initialModel(dimension: data.d).kernel
    let n = data.n
    var gram: [Double] = [], grad: [Double] = [], alloc: [Double] = [], sym: [Double] = [], cross: [Double] = []
    var k = kernel.gram(data.x)
    for r in 0..<(repeats + 1) {
        let (kk, tg) = timed { kernel.gram(data.x) }
        let (_, tk) = timed { kernel.gramGradient(data.x, adjoint: kk) }
        let (_, tc) = timed { kernel.cross(data.x, data.x) }
        let (m, ta) = timed { Matrix(rows: n, cols: n, repeating: 1) }
        var mm = m
        let (_, ts) = timed { mm.symmetrizeFromLower() }
        k = kk
        if r > 0 {
            gram.append(tg); grad.append(tk); cross.append(tc); alloc.append(ta); sym.append(ts)
        }
    }
    emit(header() + [
        ("benchmark", .string("kernel-micro")), ("n", .int(n)), ("d", .int(data.d)),
        ("gram", .number(median(gram))), ("gram_gradient", .number(median(grad))), ("cross", .number(median(cross))),
        ("allocate_fill", .number(median(alloc))), ("symmetrize", .number(median(sym))),
        ("min", .object([("gram", .number(gram.min()!)), ("gram_gradient", .number(grad.min()!)),
                         ("cross", .number(cross.min()!))])),
        ("check", .number(k.trace)),
    ])
}

/// `swiftgp-bench leak-check --data F.csv [--evaluations E]`: peak RSS after each of E objective
/// evaluations. Flat after the first when evaluations release their memory; growing by about three
/// n × n matrices per evaluation while the gradient tape keeps itself alive (see Benchmarks/README.md).
func leakCheck(_ args: Arguments) throws {
    let data = try Dataset(csv: try args.require("data"))
    let count = try args.int("evaluations", default: 20)
    let objective = initialModel(dimension: data.d).marginalLikelihood(data.x, data.y)
    var rss: [Double] = []
    for _ in 0..<count {
        _ = try objective.evaluate(batch: nil)
        rss.append(peakRSSMiB())
    }
    emit([("n", .int(data.n)), ("peak_rss_mib_after_each", .numbers(rss))])
}
