// envlock's re-implementations of Python semantics, driven by the differential tests.
#if canImport(Glibc)
import Glibc
#endif
//
// `envlock-differential MODE` reads one case per line on standard input and writes envlock's
// answer for each, one line each, in the same order; scripts/differential/*.py generate the
// cases, run the same ones through every CPython 3.10-3.13 on the machine, and compare.
// Not shipped: only the test suite builds and runs it.

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "json": JSONCases.run(Array(arguments.dropFirst()))
case "literal": LiteralCases.run(Array(arguments.dropFirst()))
case "argparse": ArgparseCases.run(Array(arguments.dropFirst()))
case "pth": PthCases.run(Array(arguments.dropFirst()))
default:
    print("usage: envlock-differential json|literal|argparse|pth [OPTIONS] < cases")
    exit(64)
}
