"""Update signals for the qianwen-* skills: [ACTION_REQUIRED] and [UPDATE_AVAILABLE] on stderr.

Run directly: --dismiss silences the signals for 24 h, --never-install for good.
"""

import argparse


def signal_updates(script_path=None, stream=None):
    """Print at most one update signal on stderr; never slows or fails the caller."""
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--dismiss", action="store_true", help="silence update signals for 24 h")
    group.add_argument("--never-install", action="store_true",
                       help="never ask to install qianwen-update-check again")
    parser.parse_args(argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
