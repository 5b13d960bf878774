// Open MPI's handles are macros over addresses of global objects (MPI_COMM_WORLD is
// ((MPI_Comm)&ompi_mpi_comm_world)), which Swift cannot import: these functions return them.
#include <mpi.h>

static inline MPI_Comm swiftgp_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype swiftgp_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype swiftgp_mpi_long_long(void) { return MPI_LONG_LONG; }
static inline MPI_Op swiftgp_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op swiftgp_mpi_max(void) { return MPI_MAX; }
static inline void *swiftgp_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int swiftgp_mpi_success(void) { return MPI_SUCCESS; }
