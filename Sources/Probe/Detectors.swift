/// The detectors a probe runs, in the order their facts take precedence.
///
/// A hand-written list on purpose (as conda's virtual package plugins are): adding a source
/// is one line here and one file beside this one.
enum Detectors {
    static let all: [any Detector] = [
        OSReleaseDetector(),
        UnameDetector(),
        GlibcDetector(),
        CPUInfoDetector(),
        EnvironmentDetector(),
        EnvlockDetector(),
        NVMLDetector(),
        CUDADriverDetector(),
        NvidiaProcDetector(),
        NvidiaSMIDetector(),
        CUDAToolkitDetector(),
        CuDNNSystemDetector(),
        PythonDetector(),
        SitePackagesDetector(),
        PythonStartupDetector(),
        TorchBuildDetector(),
        TorchvisionBuildDetector(),
        XFormersBuildDetector(),
        CUDAWheelsDetector(),
        CUDACodeDetector(),
        CondaDetector(),
        HuggingFaceCacheDetector(),
        RuntimeProcessDetector(),
        RuntimeLibrariesDetector(),
    ]
}
