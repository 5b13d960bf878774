import SwiftGP
