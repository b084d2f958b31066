import TagwireCommands

@main
struct Entrypoint {
    static func main() async {
        await TagwireCommand.main()
    }
}
