/* Convenience header: the NATS C client API. */
#include "nats/nats.h"
