/*
 * A fake libcuda.so.1 for envlock's tests: the CUDA driver API functions envlock calls,
 * answering from fake-gpus.conf (see fake_config.h). Like the real library it numbers the GPUs
 * in its own order (`cuda_order`, standing for FASTEST_FIRST) unless CUDA_DEVICE_ORDER is
 * PCI_BUS_ID, and honours CUDA_VISIBLE_DEVICES (indices in that order; it stops at the first
 * invalid entry). Each GPU reports its PCI location, SM count and maximum threads per SM
 * through cuDeviceGetAttribute.
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

/* The configured GPUs in libcuda's order, as indices into config->gpus. */
static int enumerated(const fake_config *config, int *order) {
    const char *device_order = getenv("CUDA_DEVICE_ORDER");
    int pci_order = device_order && strcmp(device_order, "PCI_BUS_ID") == 0;
    if (pci_order || config->cuda_order_count == 0) {
        for (int i = 0; i < config->gpu_count; i++) order[i] = i;
        return config->gpu_count;
    }
    int count = 0;
    for (int i = 0; i < config->cuda_order_count; i++) {
        int index = config->cuda_order[i];
        if (index >= 0 && index < config->gpu_count) order[count++] = index;
    }
    return count;
}

/* The configured GPUs that CUDA_VISIBLE_DEVICES lets through, in libcuda's order; `pci`
 * receives each one's NVML index, from which its PCI bus number follows. */
static int visible_with_index(fake_config *config, const fake_gpu **out, int *pci) {
    fake_load(config, (const void *)&cuInit);
    int order[FAKE_MAX_GPUS];
    int total = enumerated(config, order);
    const char *filter = getenv("CUDA_VISIBLE_DEVICES");
    if (!filter) {
        for (int i = 0; i < total; i++) {
            out[i] = &config->gpus[order[i]];
            if (pci) pci[i] = order[i];
        }
        return total;
    }
    int count = 0;
    char copy[512];
    snprintf(copy, sizeof copy, "%s", filter);
    char *save = NULL;
    for (char *entry = strtok_r(copy, ",", &save); entry; entry = strtok_r(NULL, ",", &save)) {
        char *end = NULL;
        long index = strtol(entry, &end, 10);
        if (end == entry || *end || index < 0 || index >= total) break;
        if (pci) pci[count] = order[index];
        out[count++] = &config->gpus[order[index]];
    }
    return count;
}

static int visible(fake_config *config, const fake_gpu **out) { return visible_with_index(config, out, NULL); }

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
    int pci[FAKE_MAX_GPUS];
    int count = visible_with_index(&config, gpus, pci);
    if (device < 0 || device >= count) return CUDA_ERROR_INVALID_DEVICE;
    const fake_gpu *gpu = gpus[device];
    if (!value) return CUDA_ERROR_INVALID_VALUE;
    switch (attribute) {
    case 16: /* CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT */
        if (gpu->sms <= 0) return CUDA_ERROR_INVALID_VALUE;
        *value = gpu->sms;
        return CUDA_SUCCESS;
    case 39: /* CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR */
        if (gpu->threads <= 0) return CUDA_ERROR_INVALID_VALUE;
        *value = gpu->threads;
        return CUDA_SUCCESS;
    case 33: *value = fake_pci_bus(pci[device]); return CUDA_SUCCESS;  /* CU_DEVICE_ATTRIBUTE_PCI_BUS_ID */
    case 34: *value = 0; return CUDA_SUCCESS;                          /* CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID */
    case 50: *value = 0; return CUDA_SUCCESS;                          /* CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID */
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
