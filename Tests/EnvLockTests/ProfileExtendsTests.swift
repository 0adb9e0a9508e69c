import Testing
@testable import EnvLock

/// `extends:` writes a shared stack once: the parent's rules, the child's overriding by key.
@Suite struct ProfileExtendsTests {
    /// Loads `files[path]` with every other file read from `files` too.
    static func load(_ path: String, _ files: [String: String]) throws(DocumentError) -> Profile {
        let read = { (name: String) throws(DocumentError) -> [UInt8] in
            guard let text = files[name] else { throw .unreadable(path: name, reason: "could not open: No such file or directory") }
            return Array(text.utf8)
        }
        return try Profile.load(try read(path), path: path, readFile: read)
    }

    static let base = """
        envlock: 1
        name: base
        description: "The shared stack."
        serial: 3
        rules:
          python.packages.torch: {version: "==2.2.0", why: "base torch"}
          torch.cuda: {equals: "12.1"}
          env.CUBLAS_WORKSPACE_CONFIG: {one_of: [":4096:8", ":16:8"]}
        run:
          forbid: ["--attention-split"]
        """

    @Test func childRulesOverrideByKeyInTheParentsPlaceAndNewOnesFollow() throws {
        let profile = try Self.load("profiles/app.yaml", [
            "profiles/base.yaml": Self.base,
            "profiles/app.yaml": """
                envlock: 1
                name: app
                extends: base.yaml
                rules:
                  python.packages.diffusers: "==0.27.2"
                  env.CUBLAS_WORKSPACE_CONFIG: {equals: ":16:8", why: "what enable_full_determinism sets"}
                run:
                  require: ["--deterministic"]
                """,
        ])
        #expect(profile.name == "app")
        #expect(profile.description == "The shared stack.")
        #expect(profile.serial == 3)
        #expect(profile.rules.map(\.pattern.text) == ["python.packages.torch", "torch.cuda", "env.CUBLAS_WORKSPACE_CONFIG", "python.packages.diffusers"])
        #expect(profile.rules[2].check == .equals(":16:8"))
        #expect(profile.rules[2].why == "what enable_full_determinism sets")
        #expect(profile.run.require == ["--deterministic"])
        #expect(profile.run.forbid == ["--attention-split"], "a run list the child does not write is inherited")
    }

    @Test func chainsMergeFromTheRootOutward() throws {
        let profile = try Self.load("c.yaml", [
            "a.yaml": Self.base,
            "b.yaml": "envlock: 1\nname: b\nextends: a.yaml\nrules:\n  torch.cuda: {equals: \"11.8\"}\n",
            "c.yaml": "envlock: 1\nname: c\nextends: b.yaml\nrules:\n  python.packages.torch: \"==2.3.0\"\nrun:\n  forbid: []\n",
        ])
        #expect(profile.rules.map(\.pattern.text) == ["python.packages.torch", "torch.cuda", "env.CUBLAS_WORKSPACE_CONFIG"])
        #expect(profile.rules[0].check == .version(try SpecifierSet(parsing: "==2.3.0")))
        #expect(profile.rules[1].check == .equals("11.8"))
        #expect(profile.run.forbid.isEmpty, "an empty list written by the child replaces the parent's")
    }

    @Test func aCycleIsRefusedAtTheExtendsLine() {
        #expect(throws: DocumentError.invalid(path: "b.yaml", mark: Mark(line: 3, column: 10), message: "extends 'a.yaml' makes a cycle (a.yaml -> b.yaml -> a.yaml); a profile cannot extend itself, directly or through others")) {
            try Self.load("a.yaml", [
                "a.yaml": "envlock: 1\nname: a\nextends: b.yaml\n",
                "b.yaml": "envlock: 1\nname: b\nextends: a.yaml\n",
            ])
        }
        #expect(throws: DocumentError.self) {
            try Self.load("self.yaml", ["self.yaml": "envlock: 1\nname: s\nextends: self.yaml\nrules: {}\n"])
        }
    }

    @Test func aMissingParentIsRefusedWithTheResolvedPath() {
        #expect(throws: DocumentError.invalid(path: "profiles/app.yaml", mark: Mark(line: 3, column: 10), message: "extends 'base.yaml': cannot read profiles/base.yaml: could not open: No such file or directory (a relative path starts from the folder of profiles/app.yaml)")) {
            try Self.load("profiles/app.yaml", ["profiles/app.yaml": "envlock: 1\nname: app\nextends: base.yaml\n"])
        }
    }

    @Test func aBrokenParentReportsItsOwnFileAndLine() {
        #expect(throws: DocumentError.invalid(path: "base.yaml", mark: Mark(line: 4, column: 3), message: "'python.packages.Torch' can never match: Python package keys are PEP 503 normalized (lowercase, runs of -, _ and . as one -); write 'python.packages.torch'")) {
            try Self.load("app.yaml", [
                "base.yaml": "envlock: 1\nname: base\nrules:\n  python.packages.Torch: \"==2.2.0\"\n",
                "app.yaml": "envlock: 1\nname: app\nextends: base.yaml\n",
            ])
        }
    }

    @Test func withoutExtendsRulesAreStillRequired() {
        #expect(throws: DocumentError.invalid(path: "p.yaml", mark: Mark(line: 1, column: 1), message: "missing field 'rules'")) {
            try Self.load("p.yaml", ["p.yaml": "envlock: 1\nname: p\n"])
        }
    }
}
