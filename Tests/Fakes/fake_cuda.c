/*
 * A fake libcuda.so.1 for envlock's tests: the CUDA driver API functions envlock calls,
 * answering from fake-gpus.conf (see fake_config.h). Like the real library it honours
 * CUDA_VISIBLE_DEVICES (a list of indices; it stops at the first invalid entry).
 */
#include "fake_config.h"
#include <stdatomic.h>
#include <stddef.h>

enum {
    CUDA_SUCCESS = 0,
    CUDA_ERROR_INVALID_VALUE = 1,
    CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_NO_DEVICE = 100,
    CUDA_ERROR_INVALID_DEVICE = 101,
};

static atomic_int initialized;

int cuInit(unsigned int flags);

/* The configured GPUs that CUDA_VISIBLE_DEVICES lets through, in its order. */
static int visible(fake_config *config, const fake_gpu **out) {
    fake_load(config, (const void *)&cuInit);
    const char *filter = getenv("CUDA_VISIBLE_DEVICES");
    if (!filter) {
        for (int i = 0; i < config->gpu_count; i++) out[i] = &config->gpus[i];
        return config->gpu_count;
    }
    int count = 0;
    char copy[512];
    snprintf(copy, sizeof copy, "%s", filter);
    char *save = NULL;
    for (char *entry = strtok_r(copy, ",", &save); entry; entry = strtok_r(NULL, ",", &save)) {
        char *end = NULL;
        long index = strtol(entry, &end, 10);
        if (end == entry || *end || index < 0 || index >= config->gpu_count) break;
        out[count++] = &config->gpus[index];
    }
    return count;
}

int cuInit(unsigned int flags) {
    (void)flags;
    fake_config config;
    const fake_gpu *gpus[FAKE_MAX_GPUS];
    int count = visible(&config, gpus);
    fake_delay(&config);
    if (config.cuda_init_error) return config.cuda_init_error;
    if (count == 0) return CUDA_ERROR_NO_DEVICE;
    atomic_store(&initialized, 1);
    return CUDA_SUCCESS;
}

int cuDriverGetVersion(int *version) {
    if (!version) return CUDA_ERROR_INVALID_VALUE;
    fake_config config;
    fake_load(&config, (const void *)&cuInit);
    *version = config.cuda_version;
    return CUDA_SUCCESS;
}

int cuDeviceGetCount(int *count) {
    if (!atomic_load(&initialized)) return CUDA_ERROR_NOT_INITIALIZED;
    if (!count) return CUDA_ERROR_INVALID_VALUE;
    fake_config config;
    const fake_gpu *gpus[FAKE_MAX_GPUS];
    *count = visible(&config, gpus);
    return CUDA_SUCCESS;
}

int cuDeviceGet(int *device, int ordinal) {
    if (!atomic_load(&initialized)) return CUDA_ERROR_NOT_INITIALIZED;
    fake_config config;
    const fake_gpu *gpus[FAKE_MAX_GPUS];
    int count = visible(&config, gpus);
    if (!device) return CUDA_ERROR_INVALID_VALUE;
    if (ordinal < 0 || ordinal >= count) return CUDA_ERROR_INVALID_DEVICE;
    *device = ordinal;
    return CUDA_SUCCESS;
}

static const fake_gpu *gpu_for(int device, fake_config *config, const fake_gpu **gpus) {
    int count = visible(config, gpus);
    return device >= 0 && device < count ? gpus[device] : NULL;
}

int cuDeviceGetName(char *name, int length, int device) {
    if (!atomic_load(&initialized)) return CUDA_ERROR_NOT_INITIALIZED;
    fake_config config;
    const fake_gpu *gpus[FAKE_MAX_GPUS];
    const fake_gpu *gpu = gpu_for(device, &config, gpus);
    if (!gpu) return CUDA_ERROR_INVALID_DEVICE;
    if (length <= 0) return CUDA_ERROR_INVALID_VALUE;
    /* The real function truncates to fit. */
    snprintf(name, (size_t)length, "%s", gpu->name);
    return CUDA_SUCCESS;
}

int cuDeviceGetAttribute(int *value, int attribute, int device) {
    if (!atomic_load(&initialized)) return CUDA_ERROR_NOT_INITIALIZED;
    fake_config config;
    const fake_gpu *gpus[FAKE_MAX_GPUS];
    const fake_gpu *gpu = gpu_for(device, &config, gpus);
    if (!gpu) return CUDA_ERROR_INVALID_DEVICE;
    if (!value) return CUDA_ERROR_INVALID_VALUE;
    switch (attribute) {
    case 75: *value = gpu->major; return CUDA_SUCCESS;
    case 76: *value = gpu->minor; return CUDA_SUCCESS;
    default: return CUDA_ERROR_INVALID_VALUE;
    }
}

int cuDeviceTotalMem_v2(size_t *bytes, int device) {
    if (!atomic_load(&initialized)) return CUDA_ERROR_NOT_INITIALIZED;
    fake_config config;
    const fake_gpu *gpus[FAKE_MAX_GPUS];
    const fake_gpu *gpu = gpu_for(device, &config, gpus);
    if (!gpu) return CUDA_ERROR_INVALID_DEVICE;
    if (!bytes) return CUDA_ERROR_INVALID_VALUE;
    *bytes = (size_t)(gpu->memory_mib << 20);
    return CUDA_SUCCESS;
}
