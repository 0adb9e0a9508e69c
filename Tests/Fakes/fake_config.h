/*
 * Configuration shared by the fake libnvidia-ml.so.1 and libcuda.so.1 used by envlock's tests.
 *
 * Each call reads the configuration afresh, so a test never has to change the process:
 *   1. the file `fake-gpus.conf` in the folder the fake library was loaded from (found with
 *      dladdr), one `key=value` per line, `#` starts a comment;
 *   2. then, overriding it, the environment variables ENVLOCK_FAKE_<KEY in capitals>.
 *
 * Keys:
 *   driver=535.104.05            nvmlSystemGetDriverVersion
 *   cuda_version=12020           nvmlSystemGetCudaDriverVersion, cuDriverGetVersion
 *   gpus=NAME:MAJOR.MINOR:MIB[:FIELD...],...   the GPUs in NVML (PCI bus) order. Optional fields:
 *                                `mig` turns MIG mode on; `cores=N` is what nvmlDeviceGetNumGpuCores
 *                                answers (NOT_SUPPORTED without it, and under MIG, as documented);
 *                                `sms=N` and `threads=N` are libcuda's MULTIPROCESSOR_COUNT and
 *                                MAX_THREADS_PER_MULTIPROCESSOR (CUDA_ERROR_INVALID_VALUE without);
 *                                `slices=16/16/32` are the SMs of the MIG devices NVML enumerates
 *                                under MIG (a `0` leaves that slot empty: NVML_ERROR_NOT_FOUND).
 *                                GPU i sits at PCI domain 0, bus 0x17 + 0x20 * i, device 0.
 *   cuda_order=1,0               libcuda's enumeration order (FASTEST_FIRST), as indices into
 *                                `gpus`; default: the same order. CUDA_DEVICE_ORDER=PCI_BUS_ID
 *                                and CUDA_VISIBLE_DEVICES act on it as on the real libcuda.
 *   cuda_version_v2_error=12     what nvmlSystemGetCudaDriverVersion_v2 returns instead of the
 *                                version (12: libcuda not loadable, as under
 *                                NVIDIA_DRIVER_CAPABILITIES=utility); the v1 symbol still answers
 *   nvml_init_error=18           what nvmlInit returns (0: success)
 *   cuda_init_error=803          what cuInit returns (0: success; with no GPUs, 100)
 *   init_delay_ms=60000          nvmlInit and cuInit sleep this long first (a hung GPU)
 *   mig=1                        (ENVLOCK_FAKE_MIG) MIG mode on for every GPU
 *   libraries=nvml,cuda          read only by scripts/build-fakes.sh
 */
#ifndef ENVLOCK_FAKE_CONFIG_H
#define ENVLOCK_FAKE_CONFIG_H

#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FAKE_MAX_GPUS 16
#define FAKE_TEXT 96
#define FAKE_MAX_SLICES 7

typedef struct {
    char name[FAKE_TEXT];
    int major;
    int minor;
    unsigned long long memory_mib;
    int mig;
    /* 0: not configured, so the call that reports it fails. */
    int cores;
    int sms;
    int threads;
    int slice_count;
    int slices[FAKE_MAX_SLICES];
    char uuid[FAKE_TEXT];
} fake_gpu;

typedef struct {
    char driver[FAKE_TEXT];
    int cuda_version;
    int nvml_init_error;
    int cuda_init_error;
    int init_delay_ms;
    int all_mig;
    int cuda_version_v2_error;
    int gpu_count;
    fake_gpu gpus[FAKE_MAX_GPUS];
    /* libcuda's order as indices into gpus; cuda_order_count 0 means the same as gpus. */
    int cuda_order_count;
    int cuda_order[FAKE_MAX_GPUS];
} fake_config;

/* The PCI bus number of the GPU at NVML index `index`: increasing, so NVML order is PCI order. */
static inline int fake_pci_bus(int index) { return 0x17 + 0x20 * index; }

static unsigned fake_hash(const char *text) {
    unsigned hash = 2166136261u;
    for (; *text; text++) hash = (hash ^ (unsigned char)*text) * 16777619u;
    return hash;
}

static void fake_parse_gpus(fake_config *config, const char *list) {
    config->gpu_count = 0;
    char copy[2048];
    snprintf(copy, sizeof copy, "%s", list);
    char *save = NULL;
    for (char *entry = strtok_r(copy, ",", &save); entry && config->gpu_count < FAKE_MAX_GPUS; entry = strtok_r(NULL, ",", &save)) {
        while (*entry == ' ') entry++;
        if (!*entry) continue;
        fake_gpu *gpu = &config->gpus[config->gpu_count];
        memset(gpu, 0, sizeof *gpu);
        char *fields[8] = {0};
        int count = 0;
        char *field_save = NULL;
        for (char *field = strtok_r(entry, ":", &field_save); field && count < 8; field = strtok_r(NULL, ":", &field_save)) fields[count++] = field;
        if (count < 3) continue;
        snprintf(gpu->name, sizeof gpu->name, "%s", fields[0]);
        sscanf(fields[1], "%d.%d", &gpu->major, &gpu->minor);
        gpu->memory_mib = strtoull(fields[2], NULL, 10);
        for (int i = 3; i < count; i++) {
            if (strcmp(fields[i], "mig") == 0) gpu->mig = 1;
            else if (strncmp(fields[i], "cores=", 6) == 0) gpu->cores = atoi(fields[i] + 6);
            else if (strncmp(fields[i], "sms=", 4) == 0) gpu->sms = atoi(fields[i] + 4);
            else if (strncmp(fields[i], "threads=", 8) == 0) gpu->threads = atoi(fields[i] + 8);
            else if (strncmp(fields[i], "slices=", 7) == 0) {
                char *slice_save = NULL;
                for (char *slice = strtok_r(fields[i] + 7, "/", &slice_save); slice && gpu->slice_count < FAKE_MAX_SLICES; slice = strtok_r(NULL, "/", &slice_save)) gpu->slices[gpu->slice_count++] = atoi(slice);
            }
        }
        snprintf(gpu->uuid, sizeof gpu->uuid, "GPU-%08x-0000-4000-8000-%012d", fake_hash(gpu->name), config->gpu_count);
        config->gpu_count++;
    }
}

static void fake_parse_order(fake_config *config, const char *list) {
    config->cuda_order_count = 0;
    char copy[512];
    snprintf(copy, sizeof copy, "%s", list);
    char *save = NULL;
    for (char *entry = strtok_r(copy, ",", &save); entry && config->cuda_order_count < FAKE_MAX_GPUS; entry = strtok_r(NULL, ",", &save)) {
        config->cuda_order[config->cuda_order_count++] = atoi(entry);
    }
}

static void fake_set(fake_config *config, const char *key, const char *value) {
    if (strcmp(key, "driver") == 0) snprintf(config->driver, sizeof config->driver, "%s", value);
    else if (strcmp(key, "cuda_version") == 0) config->cuda_version = atoi(value);
    else if (strcmp(key, "gpus") == 0) fake_parse_gpus(config, value);
    else if (strcmp(key, "nvml_init_error") == 0) config->nvml_init_error = atoi(value);
    else if (strcmp(key, "cuda_init_error") == 0) config->cuda_init_error = atoi(value);
    else if (strcmp(key, "init_delay_ms") == 0) config->init_delay_ms = atoi(value);
    else if (strcmp(key, "mig") == 0) config->all_mig = atoi(value);
    else if (strcmp(key, "cuda_order") == 0) fake_parse_order(config, value);
    else if (strcmp(key, "cuda_version_v2_error") == 0) config->cuda_version_v2_error = atoi(value);
}

static void fake_strip(char *text) {
    size_t length = strlen(text);
    while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == '\r' || text[length - 1] == ' ')) text[--length] = 0;
}

/* Reads the configuration; `anchor` is any function of the calling library. */
static void fake_load(fake_config *config, const void *anchor) {
    memset(config, 0, sizeof *config);
    snprintf(config->driver, sizeof config->driver, "535.104.05");
    config->cuda_version = 12020;

    Dl_info info;
    if (dladdr(anchor, &info) && info.dli_fname) {
        char path[4096];
        snprintf(path, sizeof path, "%s", info.dli_fname);
        char *slash = strrchr(path, '/');
        if (slash) {
            snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "fake-gpus.conf");
            FILE *file = fopen(path, "r");
            if (file) {
                char line[2048];
                while (fgets(line, sizeof line, file)) {
                    fake_strip(line);
                    if (line[0] == '#' || !strchr(line, '=')) continue;
                    char *equals = strchr(line, '=');
                    *equals = 0;
                    fake_set(config, line, equals + 1);
                }
                fclose(file);
            }
        }
    }

    static const char *keys[] = {"driver", "cuda_version", "gpus", "nvml_init_error", "cuda_init_error", "init_delay_ms", "mig", "cuda_order", "cuda_version_v2_error"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "ENVLOCK_FAKE_%s", keys[i]);
        for (char *c = name; *c; c++) if (*c >= 'a' && *c <= 'z') *c -= 32;
        const char *value = getenv(name);
        if (value) fake_set(config, keys[i], value);
    }
    if (config->all_mig) for (int i = 0; i < config->gpu_count; i++) config->gpus[i].mig = 1;
}

static void fake_delay(const fake_config *config) {
    if (config->init_delay_ms <= 0) return;
    struct timespec wait = {config->init_delay_ms / 1000, (long)(config->init_delay_ms % 1000) * 1000000L};
    while (nanosleep(&wait, &wait) != 0) {}
}

static inline int fake_copy(char *buffer, unsigned length, const char *text, int too_small) {
    if (!buffer) return 2;
    if (strlen(text) + 1 > length) return too_small;
    memcpy(buffer, text, strlen(text) + 1);
    return 0;
}

#endif
