/* pydsd.h - `pde pydsd`, one part of the original spring-damper demo. */
#ifndef PDE_CLI_PYDSD_H
#define PDE_CLI_PYDSD_H

/* argv[0] is the part ("velocity" or "position"); returns the exit code. */
int pydsd_main(int argc, char **argv);

#endif
