// Entry point of the `npuc` command-line tool.
import NpucCLI

NpucCommand.main()
