import Foundation
import PackagePlugin

/// Builds the shipped themes (`themes/*.toml`) into the binary: a lone
/// binary copied to another host has every one of them.
@main
struct EmbedThemes: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let themes = context.package.directoryURL.appending(path: "themes")
        let files = try FileManager.default.contentsOfDirectory(at: themes, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "toml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedThemes.swift")
        return [.buildCommand(
            displayName: "Embedding \(files.count) themes",
            executable: try context.tool(named: "EmbedThemesTool").url,
            arguments: [output.path] + files.map(\.path),
            inputFiles: files,
            outputFiles: [output])]
    }
}
