/* err.h - error codes shared by every part of pde.
 *
 * Functions return 0 on success and a negative code on failure. System errors
 * are returned as -errno; pde's own codes sit below -1000 so the two never
 * collide. One table generates both the enum and the messages. */
#ifndef PDE_ERR_H
#define PDE_ERR_H

#define PDE_ERR_MAP(XX)                                                        \
    XX(NOMEM, "out of memory")                                                 \
    XX(INVAL, "invalid argument")                                              \
    XX(NOTFOUND, "not found")                                                  \
    XX(RANGE, "value out of range")                                            \
    XX(SOLVER, "the ODE solver failed")                                        \
    XX(REDIS, "Redis error")                                                   \
    XX(DB, "historian database error")                                         \
    XX(FULL, "capacity reached")                                               \
    XX(ENDED, "the simulation has ended")                                      \
    XX(PROTO, "malformed message")

typedef enum {
    PDE_ERR_BASE = -1000,
#define XX(code, msg) PDE_E##code,
    PDE_ERR_MAP(XX)
#undef XX
} pde_err_t;

/* A static message for a code from this table or a -errno value. */
const char *pde_strerror(int err);

#endif
