import Foundation

// Writes a Swift file holding each theme file's text: EmbedThemesTool OUTPUT THEME.toml...
let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: EmbedThemesTool OUTPUT THEME.toml...\n".utf8))
    exit(64)
}
var source = """
    // Generated from themes/*.toml at build time by EmbedThemesTool; do not edit.

    public enum EmbeddedThemes {
        /// (name, TOML text) of every shipped theme.
        public static let files: [(name: String, text: String)] = [

    """
for path in arguments.dropFirst() {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    // A raw string with more #s than any run in the text.
    var hashes = "#"
    while text.contains("\"" + hashes) || text.contains(hashes + "\"") { hashes += "#" }
    source += "        (\(String(reflecting: name)), \(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes)),\n"
}
source += "    ]\n}\n"
try source.write(toFile: output, atomically: true, encoding: .utf8)
