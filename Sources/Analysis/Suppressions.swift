import CoreSupport

/// Inline suppression comments.
///
/// - `# promptkit-ignore: PK301, unused-variable` at the end of a line, or alone on the line
///   before, silences those rules for findings that start on that line. Without `:` and codes it
///   silences every rule there.
/// - `# promptkit-ignore-file: PK302` anywhere silences rules for the whole file.
/// - Inside template text, where YAML comments cannot go, the Mustache comment
///   `{{! promptkit-ignore: PK301 }}` works the same way.
public struct Suppressions: Sendable {
    /// Line (zero-based) → suppressed keys; an empty set means every rule.
    var byLine: [Int: Set<String>] = [:]
    var fileWide: Set<String>? = nil

    public init(bytes: [UInt8], lineIndex: LineIndex) {
        let marker = Array("promptkit-ignore".utf8)
        guard bytes.count >= marker.count else { return }
        var i = 0
        while i + marker.count <= bytes.count {
            guard bytes[i] == marker[0], bytes[i..<i + marker.count].elementsEqual(marker), Self.isCommentContext(bytes, i) else {
                i += 1
                continue
            }
            var j = i + marker.count
            var fileLevel = false
            let fileSuffix = Array("-file".utf8)
            if j + fileSuffix.count <= bytes.count, bytes[j..<j + fileSuffix.count].elementsEqual(fileSuffix) {
                fileLevel = true
                j += fileSuffix.count
            }
            var keys: Set<String> = []
            if j < bytes.count, bytes[j] == UInt8(ascii: ":") {
                var end = j + 1
                while end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D,
                      !(bytes[end] == UInt8(ascii: "}") && end + 1 < bytes.count && bytes[end + 1] == UInt8(ascii: "}")) {
                    end += 1
                }
                let list = String(decoding: bytes[(j + 1)..<end], as: UTF8.self)
                for part in list.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) where !part.isEmpty {
                    keys.insert(String(part).lowercased())
                }
                j = end
            }
            if fileLevel {
                fileWide = (fileWide ?? []).union(keys.isEmpty ? ["all"] : keys)
            } else {
                let line = lineIndex.line(containing: i)
                for l in [line, line + 1] {
                    if let existing = byLine[l] {
                        byLine[l] = existing.isEmpty || keys.isEmpty ? [] : existing.union(keys)
                    } else {
                        byLine[l] = keys
                    }
                }
            }
            i = j
        }
    }

    /// The marker counts only after `#` or `{{!` (possibly with spaces between).
    static func isCommentContext(_ bytes: [UInt8], _ at: Int) -> Bool {
        var k = at - 1
        while k >= 0, bytes[k] == 0x20 || bytes[k] == 0x09 { k -= 1 }
        guard k >= 0 else { return false }
        if bytes[k] == UInt8(ascii: "#") { return true }
        return bytes[k] == UInt8(ascii: "!") && k >= 2 && bytes[k - 1] == UInt8(ascii: "{") && bytes[k - 2] == UInt8(ascii: "{")
    }

    public func isSuppressed(_ d: Diagnostic, lineIndex: LineIndex) -> Bool {
        func covers(_ keys: Set<String>) -> Bool {
            keys.isEmpty || keys.contains("all") || keys.contains(d.rule.code.lowercased()) || keys.contains(d.rule.name)
                || keys.contains(d.rule.category.rawValue)
        }
        if let fileWide, covers(fileWide) { return true }
        if let keys = byLine[lineIndex.line(containing: d.range.start)], covers(keys) { return true }
        return false
    }
}
