/// A ComfyUI image's `prompt` text chunk as `job.comfyui.graph.*` facts. ComfyUI's SaveImage
/// (`nodes.py`) writes `json.dumps(prompt)`: the executed graph, an object from node id to
/// `{"class_type": …, "inputs": {…}}`, where an input is a value or a link `[node id, output]`.
///
/// Inputs are read by name, whatever the node's class, so custom samplers and loaders count
/// too: `sampler_name` (KSampler, KSamplerAdvanced, KSamplerSelect), `scheduler`, `cfg`,
/// `ckpt_name` (CheckpointLoaderSimple) and `lora_name` (LoraLoader, LoraLoaderModelOnly).
/// Each fact is the sorted list of the distinct values the graph uses.
enum ComfyUIImageRecord {
    static let inputs = [
        ("sampler_name", "job.comfyui.graph.samplers"),
        ("scheduler", "job.comfyui.graph.schedulers"),
        ("cfg", "job.comfyui.graph.cfg"),
        ("ckpt_name", "job.comfyui.graph.checkpoints"),
        ("lora_name", "job.comfyui.graph.loras"),
    ]

    static func facts(prompt: String) throws(RecordError) -> ImageRecord {
        let graph: MinimalJSON.Value
        do {
            graph = try MinimalJSON.parse(Array(prompt.utf8))
        } catch {
            throw RecordError(reason: "not JSON (\(error))")
        }
        guard case .object(let nodes) = graph else { throw RecordError(reason: "not a JSON object of nodes") }
        var values: [String: Set<String>] = [:]
        for (id, node) in nodes {
            guard case .object(let inputs)? = node["inputs"] else {
                throw RecordError(reason: "node \(UntrustedTextName.safe(id)) has no inputs object")
            }
            for (name, key) in Self.inputs {
                // A link ([node, output]) carries the value of another node, which is read there.
                guard let value = inputs.first(where: { $0.key == name })?.value, let text = FooocusImageRecord.text(value) else { continue }
                values[key, default: []].insert(text)
            }
        }
        var facts: [String: String] = [:]
        for (_, key) in Self.inputs { facts[key] = FactList.encode((values[key] ?? []).sorted()) }
        return ImageRecord(source: "comfyui", facts: facts)
    }
}
