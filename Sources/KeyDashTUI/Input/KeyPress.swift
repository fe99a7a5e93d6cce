/// A decoded key or mouse event, independent of curses.
public enum KeyPress: Sendable, Hashable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, backspace, delete, tab, backTab
    case ctrl(Character)  // ctrl(“u”) for Ctrl-U
    case mouseClick(row: Int, column: Int)
    case wheelUp, wheelDown
    case resize
}
