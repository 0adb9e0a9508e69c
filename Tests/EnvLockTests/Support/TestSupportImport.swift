// Every file of this target sees the shared test support (SharedData, TestFiles, HostileDocuments).
@_exported import TestSupport
