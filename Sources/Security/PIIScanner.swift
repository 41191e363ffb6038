/// Personal data in sample and test values: emails, phone numbers, payment cards (Luhn-checked),
/// US Social Security numbers and IBANs (ISO 13616 mod-97 checked). Reserved example domains
/// (RFC 2606), fictional 555-01xx numbers and never-issued SSNs are what documentation should
/// use, and are not reported. Evidence is masked.
public enum PIIScanner {
    public static func scan(_ text: String) -> [SecurityFinding] {
        // Every kind of finding holds a digit (numbers, IBANs) or an `@` (emails); most sample
        // values hold neither, and are passed over without copying their bytes.
        guard ASCII.hasDigitOrAt(text) else { return [] }
        return scan(Array(text.utf8))
    }

    public static func scan(_ b: [UInt8]) -> [SecurityFinding] {
        var out: [SecurityFinding] = []
        var covered = 0
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "@"), let f = email(b, i, after: covered) {
                out.append(f); covered = f.end; i = f.end; continue
            }
            let boundary = i == 0 || !ASCII.isAlnum(b[i - 1])
            if boundary, i >= covered {
                if ASCII.isUpper(c), let f = iban(b, i) { out.append(f); covered = f.end; i = f.end; continue }
                if ASCII.isDigit(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: "(") {
                    if let f = number(b, i) { out.append(f); covered = f.end; i = f.end; continue }
                    // Not a number people own: skip the whole run, so its tail is not read as
                    // another number ("DE00 3704 0044…" is not the phone number "0044 …").
                    var j = i + 1
                    while j < b.count, ASCII.isAlnum(b[j]) || b[j] == 0x20 && j + 1 < b.count && ASCII.isDigit(b[j + 1]) || b[j] == UInt8(ascii: "-") || b[j] == UInt8(ascii: ".") { j += 1 }
                    i = j
                    continue
                }
            }
            i += 1
        }
        return Array(out.prefix(50))
    }


    static let reservedDomains = ["example.com", "example.org", "example.net", "example.edu"]
    static let reservedSuffixes = [".example", ".test", ".invalid", ".localhost", ".local", ".internal"]

    static func email(_ b: [UInt8], _ at: Int, after covered: Int) -> SecurityFinding? {
        func isLocal(_ c: UInt8) -> Bool {
            ASCII.isAlnum(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "%") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
        }
        var s = at
        while s > covered, at - s < 64, isLocal(b[s - 1]) { s -= 1 }
        while s < at, b[s] == UInt8(ascii: ".") { s += 1 }
        guard s < at else { return nil }
        var e = at + 1
        var lastDot = -1
        while e < b.count, e - at < 255, ASCII.isAlnum(b[e]) || b[e] == UInt8(ascii: "-") || b[e] == UInt8(ascii: ".") {
            if b[e] == UInt8(ascii: ".") { lastDot = e }
            e += 1
        }
        while e > at + 1, b[e - 1] == UInt8(ascii: ".") || b[e - 1] == UInt8(ascii: "-") { e -= 1; if lastDot >= e { lastDot = -1 } }
        guard lastDot > at + 1, e - lastDot - 1 >= 2, b[(lastDot + 1)..<e].allSatisfy({ ASCII.isUpper($0) || ($0 >= 0x61 && $0 <= 0x7A) }) else { return nil }
        let domain = String(decoding: b[(at + 1)..<e], as: UTF8.self).lowercased()
        if reservedDomains.contains(where: { domain == $0 || domain.hasSuffix("." + $0) }) || reservedSuffixes.contains(where: { domain.hasSuffix($0) }) {
            return nil
        }
        let local = String(decoding: b[s..<at], as: UTF8.self)
        return SecurityFinding(kind: .email, start: s, end: e, evidence: String(local.prefix(1)) + "***@" + domain, detail: "an email address")
    }

    /// The fewest digits any reported number has (an international phone number).
    static let fewestDigits = 8

    /// An upper bound on the number of digits `number` would read from `i`: it allows every separator
    /// `number` allows, and more. Short numbers (ids, counts, years) end here, unallocated.
    static func digitCountBound(_ b: [UInt8], _ i: Int) -> Int {
        var n = 0, j = i
        while j < b.count, n < fewestDigits {
            let c = b[j]
            if ASCII.isDigit(c) { n += 1 } else if !(c == 0x20 || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: ")")
                || c == UInt8(ascii: "/") || c == UInt8(ascii: "(") || c == UInt8(ascii: "+")) { break }
            j += 1
        }
        return n
    }

    /// Digits with the separators people write in numbers, starting at `i`: card, SSN or phone.
    static func number(_ b: [UInt8], _ i: Int) -> SecurityFinding? {
        guard digitCountBound(b, i) >= fewestDigits else { return nil }
        var digits: [UInt8] = []
        var groups: [Int] = []
        var separators: [UInt8] = []
        var j = i
        var group = 0
        var plus = false
        var paren = false
        if b[j] == UInt8(ascii: "+") { plus = true; j += 1 }
        if j < b.count, b[j] == UInt8(ascii: "(") { paren = true; j += 1 }
        var last = j
        while j < b.count, digits.count <= 19 {
            let c = b[j]
            if ASCII.isDigit(c) {
                digits.append(c - 0x30); group += 1; j += 1; last = j
                continue
            }
            // One separator between groups (", " and ") " count as one).
            let sep = c == 0x20 || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: ")") || c == UInt8(ascii: "/")
            guard sep, group > 0, j + 1 < b.count else { break }
            var k = j + 1
            if c == UInt8(ascii: ")"), k < b.count, b[k] == 0x20 || b[k] == UInt8(ascii: "-") { k += 1 }
            guard k < b.count, ASCII.isDigit(b[k]) else { break }
            groups.append(group); separators.append(c); group = 0
            j = k
        }
        if group > 0 { groups.append(group) }
        guard !digits.isEmpty, last <= b.count else { return nil }
        // The number must end at a boundary: not glued to letters or more digits.
        if last < b.count, ASCII.isAlnum(b[last]) { return nil }
        let end = last
        let n = digits.count
        let text = String(decoding: b[i..<end], as: UTF8.self)

        if !plus, !paren, n >= 13, n <= 19, luhn(digits), let brand = cardBrand(digits),
           Set(separators).count <= 1, groups.count == 1 || groups.allSatisfy({ $0 >= 3 && $0 <= 6 }) {
            let lastFour = digits.suffix(4).map { String($0) }.joined()
            return SecurityFinding(kind: .paymentCard, start: i, end: end, evidence: "\(brand) card ending in \(lastFour) (\(n) digits, passes the Luhn check)",
                                   detail: "a \(brand) card number")
        }
        if !plus, !paren, n == 9, groups == [3, 2, 4], Set(separators).count == 1, separators.first == UInt8(ascii: "-") || separators.first == 0x20,
           validSSN(digits) {
            return SecurityFinding(kind: .usSSN, start: i, end: end, evidence: "***-**-" + digits.suffix(4).map { String($0) }.joined(), detail: "a US Social Security number")
        }
        if let f = phone(digits: digits, groups: groups, separators: separators, plus: plus, paren: paren, text: text, start: i, end: end) { return f }
        return nil
    }

    static func luhn(_ d: [UInt8]) -> Bool {
        var sum = 0
        for (k, digit) in d.reversed().enumerated() {
            var v = Int(digit)
            if k % 2 == 1 { v *= 2; if v > 9 { v -= 9 } }
            sum += v
        }
        return sum % 10 == 0
    }

    /// Issuer ranges (ISO/IEC 7812 prefixes of the major networks).
    static func cardBrand(_ d: [UInt8]) -> String? {
        func prefix(_ n: Int) -> Int { d.prefix(n).reduce(0) { $0 * 10 + Int($1) } }
        let n = d.count
        if d[0] == 4, [13, 16, 19].contains(n) { return "Visa" }
        if (51...55).contains(prefix(2)) || (2221...2720).contains(prefix(4)), n == 16 { return "Mastercard" }
        if [34, 37].contains(prefix(2)), n == 15 { return "American Express" }
        if prefix(4) == 6011 || prefix(2) == 65 || (644...649).contains(prefix(3)), n >= 16 { return "Discover" }
        if (3528...3589).contains(prefix(4)), n >= 16 { return "JCB" }
        if [36, 38, 39].contains(prefix(2)) || (300...305).contains(prefix(3)), n >= 14 { return "Diners Club" }
        if prefix(2) == 62, n >= 16 { return "UnionPay" }
        if [5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763].contains(prefix(4)), n >= 12 { return "Maestro" }
        return nil
    }

    /// Never-issued numbers (area 000, 666 or 9xx; group 00; serial 0000) and the famous
    /// published examples are not personal data.
    static func validSSN(_ d: [UInt8]) -> Bool {
        let area = Int(d[0]) * 100 + Int(d[1]) * 10 + Int(d[2])
        let group = Int(d[3]) * 10 + Int(d[4])
        let serial = d[5...].reduce(0) { $0 * 10 + Int($1) }
        if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 { return false }
        let s = d.map { String($0) }.joined()
        return s != "078051120" && s != "123456789" && s != "219099999"
    }

    static func phone(digits: [UInt8], groups: [Int], separators: [UInt8], plus: Bool, paren: Bool, text: String, start: Int, end: Int) -> SecurityFinding? {
        let n = digits.count
        // Dates (2024-05-01, 01.05.2024), times, versions and IPs have short groups or dots.
        if separators.contains(UInt8(ascii: "/")) { return nil }
        if separators.contains(UInt8(ascii: ".")), groups.count == 4, groups.allSatisfy({ $0 <= 3 }) { return nil }  // IPv4
        if groups.count == 3, groups[0] == 4, groups[1] <= 2, groups[2] <= 2 { return nil }  // ISO dates
        if groups.count == 3, groups[0] <= 2, groups[1] <= 2, groups[2] == 4 { return nil }  // d.m.yyyy
        var shaped = false
        if plus, n >= 8, n <= 15, groups.count >= 2 || n >= 10 { shaped = true }
        // North American: (415) 555-2671, 415-555-2671, 415.555.2671, 1-415-555-2671.
        if groups == [3, 3, 4] || groups == [1, 3, 3, 4] && digits[0] == 1 { shaped = true }
        if paren, n == 10 { shaped = true }
        // National formats with a trunk 0: 020 7946 0958, 06 12 34 56 78, 030 1234567.
        if !plus, digits[0] == 0, n >= 10, n <= 12, groups.count >= 2, groups.allSatisfy({ $0 >= 2 }) { shaped = true }
        guard shaped else { return nil }
        // 555-0100 through 555-0199 are reserved for fiction (NANP).
        let national = digits.suffix(10)
        if national.count == 10 {
            let a = Array(national)
            if a[3] == 5, a[4] == 5, a[5] == 5, a[6] == 0, a[7] == 1 { return nil }
        }
        let masked = String(text.prefix(4)) + String(text.dropFirst(4).map { $0.isNumber ? "•" : $0 }.dropLast(2)) + String(text.suffix(2))
        return SecurityFinding(kind: .phoneNumber, start: start, end: end, evidence: masked, detail: "a phone number")
    }

    /// IBAN lengths per country (ISO 13616 registry, SWIFT release 2024).
    static let ibanLengths: [String: Int] = [
        "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "BY": 28, "CH": 21, "CR": 22,
        "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22,
        "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30,
        "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27,
        "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31,
        "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
    ]

    static func iban(_ b: [UInt8], _ i: Int) -> SecurityFinding? {
        guard i + 4 <= b.count, ASCII.isUpper(b[i]), ASCII.isUpper(b[i + 1]), ASCII.isDigit(b[i + 2]), ASCII.isDigit(b[i + 3]) else { return nil }
        let country = String(decoding: b[i..<(i + 2)], as: UTF8.self)
        guard let length = ibanLengths[country] else { return nil }
        var chars: [UInt8] = []
        var j = i
        var end = i
        while j < b.count, chars.count < length {
            let c = b[j]
            if ASCII.isDigit(c) || ASCII.isUpper(c) { chars.append(c); j += 1; end = j; continue }
            // Printed IBANs group by four with single spaces.
            if c == 0x20, j + 1 < b.count, ASCII.isDigit(b[j + 1]) || ASCII.isUpper(b[j + 1]), chars.count % 4 == 0 { j += 1; continue }
            break
        }
        guard chars.count == length, end >= b.count || !ASCII.isAlnum(b[end]) else { return nil }
        // Move the first four characters to the end, letters to numbers, mod 97 must be 1.
        let rearranged = Array(chars[4...]) + Array(chars[..<4])
        var remainder = 0
        for c in rearranged {
            if ASCII.isDigit(c) {
                remainder = (remainder * 10 + Int(c - 0x30)) % 97
            } else {
                remainder = (remainder * 100 + Int(c - 0x41 + 10)) % 97
            }
        }
        guard remainder == 1 else { return nil }
        let tail = String(decoding: chars.suffix(4), as: UTF8.self)
        return SecurityFinding(kind: .iban, start: i, end: end, evidence: "\(country)•• •••• … \(tail) (passes the IBAN checksum)", detail: "an IBAN")
    }
}
