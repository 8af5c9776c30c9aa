import Foundation
public import HTTPTypes

/// An input read as HTTP header lines (`Name: value`, up to the first empty line) and then a
/// body. A line that is not a valid field is dropped, as the HTTP parser in front of the code
/// under test refuses it; no empty line means no body.
public func httpMessage(_ bytes: [UInt8]) -> (fields: HTTPFields, body: [UInt8]) {
    var fields = HTTPFields()
    var lineStart = 0
    for index in bytes.indices where bytes[index] == 0x0A {
        if index == lineStart { return (fields, Array(bytes[(index + 1)...])) }
        let line = String(decoding: bytes[lineStart..<index], as: UTF8.self)
        if let colon = line.firstIndex(of: ":"), let name = HTTPField.Name(String(line[..<colon])) {
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if HTTPField.isValidValue(value) { fields.append(HTTPField(name: name, value: value)) }
        }
        lineStart = index + 1
    }
    return (fields, [])
}
