// CXSparse (SuiteSparse's CSparse with int/long and real/complex variants): only the double/int routines
// (cs_di_*) are used, so the complex declarations (and <complex.h>) are left out.
#define NCOMPLEX
#include <suitesparse/cs.h>
