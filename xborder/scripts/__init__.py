"""Live-stream scripts: what a host says to sell a product, in the buyer's language, timed, priced and checked.

    script = write_script(product, market, "de-DE", 60, text=product_text, quote=quote)   # one product
    result = make_scripts(paths, config, ScriptOptions(out=Path("dist"), languages=["de-DE"], session=3600))
    write_scripts(result)                   # the files (xborder.exports.scripts)
    show = run_of_show(result.scripts["de-DE"], 3600, order="hero")                     # a whole session

With ScriptOptions(engine="openai"), a model writes each script from the same facts, in the same segments,
fitted and checked the same way, cached in the memory (xborder.scripts.model_engine).
"""

from xborder.scripts.lint import lint_lines
from xborder.scripts.model import Beat, LiveScript, ScriptSegment
from xborder.scripts.phrases import ScriptError, script_phrases, speaking_rate
from xborder.scripts.run import ScriptOptions, ScriptResult, make_scripts, markets_for
from xborder.scripts.show import ORDERS, RunOfShow, Slot, run_of_show
from xborder.scripts.timing import parse_duration, speaking_seconds
from xborder.scripts.write import write_script

__all__ = ["Beat", "LiveScript", "ORDERS", "RunOfShow", "ScriptError", "ScriptOptions", "ScriptResult",
           "ScriptSegment", "Slot", "lint_lines", "make_scripts", "markets_for", "parse_duration", "run_of_show",
           "script_phrases", "speaking_rate",
           "speaking_seconds", "write_script"]
