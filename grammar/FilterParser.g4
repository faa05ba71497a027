/*
 * WinDivert 2.2 filter language: the grammar (docs/spec/filter-language.md §3).
 *
 *   filter  = expr END
 *   chain   = operand { "and" operand } [ "or" chain ]      -- and: left-nested, or: right-nested
 *   operand = "(" expr ")" | "(" expr "?" expr ":" expr ")" | test
 *   test    = { "not" } fieldref [ relop [ "-" ] NUMBER ]
 *
 * Every decision is LL(1), so the first token no rule accepts is exactly where WinDivert's
 * recursive-descent parser stops. The int argument of expr/chain/operand is the depth budget
 * of docs/spec/filter-language.md §3.3 (checked by enter()); parenBody applies the error overwriting of §3.4. Errors are
 * thrown by FailFastErrorStrategy: no recovery, no console output.
 */
parser grammar FilterParser;

options {
    tokenVocab = FilterLexer;
    superClass = FilterParserBase;
}

filter
    : expr[1024] EOF
    ;

expr[int d]
    : {enter($d);} chain[$d - 1]
    ;

chain[int d]
    : {enter($d);} operand[$d - 1] ( AND operand[$d - 1] )* ( OR chain[$d - 1] )?
    ;

operand[int d]
    : {enter($d);} ( group[$d] | test )
    ;

group[int d]
    : OPEN parenBody[$d - 1] ( CLOSE | QUESTION expr[$d - 1] COLON expr[$d - 1] CLOSE )
    ;

parenBody[int d]
    : expr[$d]
    ;
    catch [ParseFailure failure] { failedInParentheses(failure, $d); }

test
    : nots+=NOT* fieldRef ( relop neg=MINUS? value=NUMBER )?
    ;

fieldRef
    : FIELD
    | ARRAY_FIELD SQ_OPEN neg=MINUS? {checkIndexNumber();} n=NUMBER b=BYTES?
      {checkIndex($ARRAY_FIELD, $neg, $n, $b);} SQ_CLOSE
    ;

relop
    : EQ | NEQ | LT | LEQ | GT | GEQ
    ;
