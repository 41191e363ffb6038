import CoreSupport

enum CoreSupportSuggest {
    static func suggestion(_ key: String, _ candidates: [String]) -> String? {
        DidYouMean.suggestion(for: key, among: candidates)
    }
}
