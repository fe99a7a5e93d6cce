import Foundation
import KeyDashCore
import WhyLabsAPI

enum SecretView {
    /// The secret is shown whole at every size the dashboard accepts: cut
    /// into lines as wide as the pane allows, each line starting at the same
    /// column with nothing inserted inside it (no ellipsis, no padding, no
    /// hyphen), so selecting it copies exactly the key.
    static func draw(_ frame: inout Frame, _ ctx: RenderContext, secret: OnceSecret, screen: Rect) {
        let text = ctx.clean(secret.secret)
        let maxInner = screen.width - 2 - 4
        let oneLine = DisplayText.width(text)
        let innerWidth = min(maxInner, max(70, oneLine + 1))
        let lines = wrap(text, width: innerWidth)
        let notes = [
            ("This is the only time the key is shown. Store it now.", ThemeRole.status_warning),
            (secret.copied ? "Copied to the clipboard (OSC 52)." : "c copies it to the clipboard (OSC 52).", secret.copied ? .status_ok : .dialog),
            ("Enter or Esc closes; the secret is then gone.", .hint),
        ]
        // Borders, the secret, the notes; blank lines between when there is room.
        let tight = lines.count + notes.count + 2
        let spacious = tight + 5
        let height = min(screen.height - 2, spacious)
        let rect = modalRect(screen, width: innerWidth + 4, height: max(height, min(tight, screen.height)))
        frame.box(rect, border: .status_ok, fill: .dialog, title: "Key \(ctx.clean(secret.keyId)) created", titleRole: .status_ok)
        let inner = Rect(x: rect.x + 2, y: rect.y + 1, width: rect.width - 4, height: rect.height - 2)
        let spare = inner.height - lines.count - notes.count
        let gap = spare >= 4 ? 1 : 0
        var y = inner.y + gap
        // The secret comes first in priority: notes give way when space is short.
        let noteRows = max(0, min(notes.count, inner.height - lines.count))
        if noteRows >= 1 {
            frame.put(notes[0].0, x: inner.x, y: y, role: notes[0].1, maxWidth: inner.width)
            y += 1 + gap
        }
        for line in lines {
            frame.put(line, x: inner.x, y: y, role: .input, maxWidth: inner.width)
            y += 1
        }
        y += gap
        if noteRows >= 2 { frame.put(notes[1].0, x: inner.x, y: y, role: notes[1].1, maxWidth: inner.width) }
        if noteRows >= 3 { frame.put(notes[2].0, x: inner.x, y: inner.maxY - 1, role: notes[2].1, maxWidth: inner.width) }
    }

    /// Cuts text into pieces of at most `width` display columns, never
    /// splitting a character.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [text] }
        var lines: [String] = []
        var current = ""
        var used = 0
        for character in text {
            let w = DisplayText.width(String(character))
            if used + w > width, !current.isEmpty {
                lines.append(current)
                current = ""
                used = 0
            }
            current.append(character)
            used += w
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }
}
