/* The I/O floor for listing Python distributions: read every *.dist-info/METADATA and
 * *.egg-info (PKG-INFO) file of the given folders once, whole, and do nothing else.
 * With --first-4k, read only each file's first 4096 bytes (what envlock reads of a typical
 * METADATA file: it stops once Name and Version are known).
 * Usage: metadata-floor [--first-4k] DIR...   Prints the number of files read. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int main(int argc, char **argv) {
    static char buffer[1 << 16];
    char path[4096];
    long files = 0;
    int first = 1, whole = 1;
    if (argc > 1 && strcmp(argv[1], "--first-4k") == 0) { first = 2; whole = 0; }
    for (int i = first; i < argc; i++) {
        DIR *dir = opendir(argv[i]);
        if (!dir) continue;
        struct dirent *entry;
        while ((entry = readdir(dir))) {
            const char *inner;
            if (ends_with(entry->d_name, ".dist-info")) inner = "METADATA";
            else if (ends_with(entry->d_name, ".egg-info")) inner = "PKG-INFO";
            else continue;
            snprintf(path, sizeof path, "%s/%s/%s", argv[i], entry->d_name, inner);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            if (whole) { while (read(fd, buffer, sizeof buffer) > 0) {} }
            else { (void)!read(fd, buffer, 4096); }
            close(fd);
            files++;
        }
        closedir(dir);
    }
    printf("%ld\n", files);
    return 0;
}
