/* models_dir.h - the data-file models of the configured folder. */
#ifndef PDE_MODELS_DIR_H
#define PDE_MODELS_DIR_H

/* Load every model file of configured (a --models-dir value; "" = the
 * models/ folder of the source tree, which may be missing). Bad files are
 * logged and skipped. Returns how many loaded, or -errno when a configured
 * folder cannot be read. */
int models_dir_load(const char *configured);

#endif
