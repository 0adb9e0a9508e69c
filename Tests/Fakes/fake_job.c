/* A stand-in for a running generation process (Fooocus, ComfyUI) for `envlock probe --pid`.
 *
 * dlopens each library named on its command line, in order: an absolute path is loaded from
 * there, a bare soname such as libcudnn.so.8 through the dynamic linker's search, so that
 * LD_LIBRARY_PATH decides which copy is mapped, as it does for torch. Then it prints "ready"
 * and sleeps until killed. Built by the end-to-end tests (RuntimeProbeTests). */
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (dlopen(argv[i], RTLD_NOW | RTLD_GLOBAL) == NULL) {
            fprintf(stderr, "fake_job: %s\n", dlerror());
            return 1;
        }
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) pause();
}
