"""上限: every bound on what a survey definition and its expressions may hold, in one place.

Definitions are uploaded by prefecture and national staff and then rendered for every
respondent, so a definition is input that must not be able to hurt a worker: the CEL
library's parser and evaluator recurse in Rust, where a deep enough tree overflows the
stack and kills the process (SIGSEGV, not an exception), and comprehensions nested over
long lists take seconds per page. Each limit is far above what a real survey needs (the
built-in definitions' largest expression has 14 terms and one comprehension) and far below
what was seen to crash or stall. ``docs/survey-definitions.md`` lists them with the reasons.
"""

from __future__ import annotations

# --- expressions ---------------------------------------------------------------------------

#: Characters of one expression. The longest built-in one is under 100.
MAX_EXPRESSION_LENGTH = 2_000
#: Tokens (names, literals, operators, brackets) of one expression.
MAX_EXPRESSION_TOKENS = 600
#: Operands (names and literals) of one expression. ``a + a + ...`` builds a tree as deep
#: as it has terms: the library's evaluator crashed the process at about 13,000 terms
#: and its parser at about 20,000.
MAX_EXPRESSION_TERMS = 200
#: Brackets (parentheses, list/map/index brackets) and conditionals (``?:``) open at
#: once. The parser refuses more than 96 levels of its own recursion, which a bracket
#: can use several of.
MAX_EXPRESSION_NESTING = 24
#: Comprehensions (``all``, ``exists``, ``exists_one``, ``map``, ``filter``) inside one
#: another: each multiplies the work of what it holds.
MAX_COMPREHENSION_NESTING = 2
#: Items of one list literal or entries of one map literal.
MAX_LITERAL_ITEMS = 100
#: How many elements a comprehension may be assumed to run over when nothing bounds its
#: list better (a field whose type declares no bound, a computed list).
DEFAULT_ITERATION_BOUND = 100
#: Estimated evaluation cost of one expression, in steps: a term outside comprehensions
#: costs 1, inside a comprehension it costs the comprehension's iterations (and those of
#: each enclosing one); ``map`` and ``filter`` build their list by copying, which costs the
#: square of the iterations. 50,000 steps evaluate in well under 50 ms; a ``map`` over a
#: full repeating group (100 rows) costs about 12,000.
MAX_EXPRESSION_COST = 50_000
#: The estimated cost of all expressions of one definition together: each is evaluated
#: at least once whenever the form is shown or saved.
MAX_DEFINITION_COST = 500_000

# --- definitions ---------------------------------------------------------------------------

#: Bytes of a definition file, checked before it is parsed. The largest built-in
#: definition (the medical function report) is about 37 KB.
MAX_DEFINITION_BYTES = 1024 * 1024
#: Levels of YAML/JSON nesting (mappings and lists inside one another). A definition
#: needs about eight; the YAML and JSON readers recurse and would fail at about a thousand.
MAX_DOCUMENT_DEPTH = 40
#: Characters of a key of a YAML/JSON mapping (field keys are already 63 at most).
MAX_MAPPING_KEY_LENGTH = 100
#: Digits of a number of a definition, as written or typed into the builder. YAML reads
#: ``0x`` and ``1:2:3`` numbers of any length, which cannot be stored as JSON past 4,300
#: digits, and ``1e999999999`` typed as an integer would be built digit by digit.
MAX_NUMBER_DIGITS = 100
#: Values (each scalar, list and mapping) of a definition with its YAML aliases written
#: out, as it is stored. A few aliases of aliases would otherwise expand a small file into
#: billions of values.
MAX_DEFINITION_VALUES = 200_000
MAX_SECTIONS = 100
MAX_FIELDS_PER_SECTION = 200
MAX_FIELDS = 1_000
#: Choices of one field (``choices``).
MAX_CHOICES = 200
MAX_RULES = 500
#: Titles, labels (already 200) and values are short; these bound the longer texts.
MAX_TEXT_LENGTH = 5_000
