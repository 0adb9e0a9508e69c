/*
 * A fake libnvidia-ml.so.1 for envlock's tests: the NVML functions envlock calls, answering
 * from fake-gpus.conf (see fake_config.h). Built with -DFAKE_NO_V2 it exports only the
 * unversioned symbols, as NVML before driver 319 did.
 */
#include "fake_config.h"
#include <stdatomic.h>
#include <stdint.h>

typedef struct fake_device *nvmlDevice_t;
typedef struct {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_t;

enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_NOT_FOUND = 6,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
};

/* nvmlInit calls minus nvmlShutdown calls, for tests that check the shutdown. */
static atomic_int open_sessions;

int envlock_fake_nvml_open_sessions(void) { return atomic_load(&open_sessions); }

static void load(fake_config *config) { fake_load(config, (const void *)&envlock_fake_nvml_open_sessions); }

static int start(void) {
    fake_config config;
    load(&config);
    fake_delay(&config);
    if (config.nvml_init_error) return config.nvml_init_error;
    atomic_fetch_add(&open_sessions, 1);
    return NVML_SUCCESS;
}

/* The GPU behind a handle (index + 1), or NULL for a bad handle. */
static const fake_gpu *gpu_for(nvmlDevice_t device, fake_config *config) {
    load(config);
    intptr_t index = (intptr_t)device - 1;
    if (index < 0 || index >= config->gpu_count) return NULL;
    return &config->gpus[index];
}

/* MIG device handles: 0x10000 * (GPU index + 1) + slot + 1, apart from the GPUs' handles. */
static const fake_gpu *mig_for(nvmlDevice_t device, fake_config *config, int *slot) {
    load(config);
    intptr_t value = (intptr_t)device;
    intptr_t index = value / 0x10000 - 1;
    *slot = (int)(value % 0x10000) - 1;
    if (index < 0 || index >= config->gpu_count) return NULL;
    const fake_gpu *gpu = &config->gpus[index];
    if (*slot < 0 || *slot >= gpu->slice_count || gpu->slices[*slot] <= 0) return NULL;
    return gpu;
}

#define REQUIRE_INIT() do { if (atomic_load(&open_sessions) <= 0) return NVML_ERROR_UNINITIALIZED; } while (0)

int nvmlInit(void) { return start(); }

int nvmlShutdown(void) {
    REQUIRE_INIT();
    atomic_fetch_sub(&open_sessions, 1);
    return NVML_SUCCESS;
}

int nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    REQUIRE_INIT();
    fake_config config;
    load(&config);
    return fake_copy(version, length, config.driver, NVML_ERROR_INSUFFICIENT_SIZE);
}

int nvmlSystemGetCudaDriverVersion(int *version) {
    REQUIRE_INIT();
    if (!version) return NVML_ERROR_INVALID_ARGUMENT;
    fake_config config;
    load(&config);
    *version = config.cuda_version;
    return NVML_SUCCESS;
}

int nvmlDeviceGetCount(unsigned int *count) {
    REQUIRE_INIT();
    if (!count) return NVML_ERROR_INVALID_ARGUMENT;
    fake_config config;
    load(&config);
    *count = (unsigned int)config.gpu_count;
    return NVML_SUCCESS;
}

int nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t *device) {
    REQUIRE_INIT();
    fake_config config;
    load(&config);
    if (!device || index >= (unsigned int)config.gpu_count) return NVML_ERROR_INVALID_ARGUMENT;
    *device = (nvmlDevice_t)(intptr_t)(index + 1);
    return NVML_SUCCESS;
}

#ifndef FAKE_NO_V2
int nvmlInit_v2(void) { return start(); }
/* Like the real one, _v2 asks libcuda, so it can fail (cuda_version_v2_error) where v1 answers. */
int nvmlSystemGetCudaDriverVersion_v2(int *version) {
    REQUIRE_INIT();
    fake_config config;
    load(&config);
    if (config.cuda_version_v2_error) return config.cuda_version_v2_error;
    return nvmlSystemGetCudaDriverVersion(version);
}
int nvmlDeviceGetCount_v2(unsigned int *count) { return nvmlDeviceGetCount(count); }
int nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) { return nvmlDeviceGetHandleByIndex(index, device); }
#endif

int nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) {
    REQUIRE_INIT();
    fake_config config;
    const fake_gpu *gpu = gpu_for(device, &config);
    if (!gpu) return NVML_ERROR_INVALID_ARGUMENT;
    return fake_copy(name, length, gpu->name, NVML_ERROR_INSUFFICIENT_SIZE);
}

int nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) {
    REQUIRE_INIT();
    fake_config config;
    int slot;
    const fake_gpu *slice_of = mig_for(device, &config, &slot);
    if (slice_of) {
        char text[FAKE_TEXT];
        snprintf(text, sizeof text, "MIG-%08x-0000-4000-8000-%012d", fake_hash(slice_of->name), slot);
        return fake_copy(uuid, length, text, NVML_ERROR_INSUFFICIENT_SIZE);
    }
    const fake_gpu *gpu = gpu_for(device, &config);
    if (!gpu) return NVML_ERROR_INVALID_ARGUMENT;
    return fake_copy(uuid, length, gpu->uuid, NVML_ERROR_INSUFFICIENT_SIZE);
}

int nvmlDeviceGetCudaComputeCapability(nvmlDevice_t device, int *major, int *minor) {
    REQUIRE_INIT();
    fake_config config;
    const fake_gpu *gpu = gpu_for(device, &config);
    if (!gpu || !major || !minor) return NVML_ERROR_INVALID_ARGUMENT;
    *major = gpu->major;
    *minor = gpu->minor;
    return NVML_SUCCESS;
}

int nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory) {
    REQUIRE_INIT();
    fake_config config;
    const fake_gpu *gpu = gpu_for(device, &config);
    if (!gpu || !memory) return NVML_ERROR_INVALID_ARGUMENT;
    memory->total = gpu->memory_mib << 20;
    memory->used = 1ull << 20;
    memory->free = memory->total - memory->used;
    return NVML_SUCCESS;
}

/* Like the real NVML: only compute capabilities 8.0 and 9.0 and newer datacenter parts can
 * do MIG; other cards answer NOT_SUPPORTED. */
int nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned int *current, unsigned int *pending) {
    REQUIRE_INIT();
    fake_config config;
    const fake_gpu *gpu = gpu_for(device, &config);
    if (!gpu || !current || !pending) return NVML_ERROR_INVALID_ARGUMENT;
    int capable = gpu->mig || (gpu->major == 8 && gpu->minor == 0) || (gpu->major >= 9 && gpu->minor == 0);
    if (!capable) return NVML_ERROR_NOT_SUPPORTED;
    *current = *pending = gpu->mig ? 1 : 0;
    return NVML_SUCCESS;
}

/* Documented: "On MIG-enabled GPUs, querying the device's core count is currently not
 * supported using this API" (NVML's nvmlDeviceGetNumGpuCores). */
int nvmlDeviceGetNumGpuCores(nvmlDevice_t device, unsigned int *cores) {
    REQUIRE_INIT();
    fake_config config;
    const fake_gpu *gpu = gpu_for(device, &config);
    if (!gpu || !cores) return NVML_ERROR_INVALID_ARGUMENT;
    if (gpu->mig || gpu->cores <= 0) return NVML_ERROR_NOT_SUPPORTED;
    *cores = (unsigned int)gpu->cores;
    return NVML_SUCCESS;
}

/* An A100 or H100 holds at most 7 MIG devices. */
int nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t device, unsigned int *count) {
    REQUIRE_INIT();
    fake_config config;
    const fake_gpu *gpu = gpu_for(device, &config);
    if (!gpu || !count) return NVML_ERROR_INVALID_ARGUMENT;
    if (!gpu->mig) return NVML_ERROR_NOT_SUPPORTED;
    *count = FAKE_MAX_SLICES;
    return NVML_SUCCESS;
}

int nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t device, unsigned int index, nvmlDevice_t *mig) {
    REQUIRE_INIT();
    fake_config config;
    const fake_gpu *gpu = gpu_for(device, &config);
    if (!gpu || !mig || index >= FAKE_MAX_SLICES) return NVML_ERROR_INVALID_ARGUMENT;
    if (!gpu->mig) return NVML_ERROR_NOT_SUPPORTED;
    if ((int)index >= gpu->slice_count || gpu->slices[index] <= 0) return NVML_ERROR_NOT_FOUND;
    *mig = (nvmlDevice_t)(intptr_t)(0x10000 * ((intptr_t)device) + (intptr_t)index + 1);
    return NVML_SUCCESS;
}

/* nvmlDeviceAttributes_t begins with multiprocessorCount; later drivers append fields, so the
 * caller's buffer is larger than this. Only MIG device handles are supported, as documented. */
int nvmlDeviceGetAttributes_v2(nvmlDevice_t device, unsigned int *attributes) {
    REQUIRE_INIT();
    fake_config config;
    int slot;
    const fake_gpu *gpu = mig_for(device, &config, &slot);
    if (!attributes) return NVML_ERROR_INVALID_ARGUMENT;
    if (!gpu) return NVML_ERROR_NOT_SUPPORTED;
    attributes[0] = (unsigned int)gpu->slices[slot];
    return NVML_SUCCESS;
}
