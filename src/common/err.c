/* err.c - messages for the codes in err.h. */
#include "err.h"

#include <string.h>

const char *pde_strerror(int err) {
    switch (err) {
#define XX(code, msg)                                                          \
    case PDE_E##code:                                                          \
        return msg;
        PDE_ERR_MAP(XX)
#undef XX
    default:
        break;
    }
    if (err < 0 && err > PDE_ERR_BASE) return strerror(-err);
    return "unknown error";
}
