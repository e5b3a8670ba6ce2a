"""What the feedback says about each recognised mistake, at three levels, in Korean and English.

Owns the wording of every diagnosis id: the catalogued mistakes of ``reference/mutants.py``
(same ids) and the generic patterns of diagnose.py.  Each entry has four parts:

- ``what``  names the mistake's concept, never the fix ("dprev_c misses a gate");
- ``where`` says where to look (the forward line to differentiate, the loop to read);
- ``why``   says why it is wrong (the chain rule, the shape, the convention);
- ``fix``   gives the formula or the line of code.

A catalogued mistake also declares ``fix_words``: the key words of its fix (a formula's
factor, the missing term's name), in each language.  The hint level must not contain any of
them (tests/diagnose/test_levels.py): it names the concept, never the missing factor.

course.yaml's ``feedback`` level decides what a student is shown (:func:`render`):

=========  ====================  ==========
level      explanation           hint
=========  ====================  ==========
hint       what                  where
explain    what + why            where
reveal     what + why            fix
=========  ====================  ==========

Terms follow glossary.py; every Korean particle after a code name, a Latin word, a number or a
formula is a template (``dprev_c이(가)``, ``shape을(를)``), filled when rendered.  This
module ships to students (the notebook's self-check renders its diagnoses at the hint
level): it holds words only, no mutant code and nothing about hidden cases.
"""
from __future__ import annotations

from typing import Any, Mapping

from autograder.engine.glossary import TERM_BY_EN, fill_particles

__all__ = ["LEVELS", "DEFAULT_LEVEL", "MUTANT_TEXTS", "GENERIC_TEXTS", "render", "levels"]

LEVELS = ("hint", "explain", "reveal")
DEFAULT_LEVEL = "hint"
PARTS = ("what", "where", "why", "fix")


def _t(what_ko, what_en, where_ko, where_en, why_ko, why_en, fix_ko, fix_en, **extra) -> dict:
    return {"what": {"ko": what_ko, "en": what_en}, "where": {"ko": where_ko, "en": where_en},
            "why": {"ko": why_ko, "en": why_en}, "fix": {"ko": fix_ko, "en": fix_en}, **extra}


# ------------------------------------------------------------------ catalogued mistakes

MUTANT_TEXTS: dict[str, dict] = {
    # ------------------------------------------------------------------ RNN / BPTT
    "bptt-overwrite-accumulator": _t(
        "가중치 기울기 dWx, dWh, db이(가) 모든 시점의 기여를 모으지 못하고 한 시점의 값만 남았습니다 (BPTT 누적).",
        "dWx, dWh and db keep the contribution of one time step only, not the sum over all steps (BPTT accumulation).",
        "rnn_backward의 시점 루프 안에서 가중치 기울기를 어떻게 갱신하는지 보세요.",
        "Look at how the weight gradients are updated inside the time loop of rnn_backward.",
        "가중치는 모든 시점에서 공유되므로, 손실에 대한 기울기는 각 시점 기울기의 합입니다.",
        "The weights are shared by every time step, so their gradient is the sum of every step's gradient.",
        "루프 전에 0(으)로 만들고 `dWx += dWx_t` 처럼 각 시점의 기여를 더하세요 (`=`이(가) 아니라 `+=`).",
        "Start at zero before the loop and add each step: `dWx += dWx_t` (`+=`, not `=`).",
        fix_words={"ko": ('+=', 'dWx_t'),
                   "en": ('+=', 'dWx_t')}),
    "bptt-missing-carried-gradient": _t(
        "시점 t의 은닉 상태가 받는 기울기에서 다음 시점으로부터 거꾸로 전달되는 부분이 빠졌습니다 (시간 역전파).",
        "The gradient of the hidden state at step t misses the part carried back from step t+1 (backpropagation through time).",
        "rnn_backward에서 셀의 역전파에 넘기는, 위에서 들어오는 기울기를 보세요.",
        "Look at the upstream gradient rnn_backward passes to the cell's backward.",
        "h_t은(는) 손실과 다음 시점 두 곳에 쓰이므로, 두 경로의 기울기를 모두 받아야 합니다.",
        "h_t feeds both the loss and the next step, so it receives the gradients of both paths.",
        "셀의 역전파에 `dh[:, t] + dprev_h`을(를) 넘기세요.",
        "Pass `dh[:, t] + dprev_h` to the cell's backward.",
        fix_words={"ko": ('+ dprev_h',),
                   "en": ('+ dprev_h',)}),
    "rnn-tanh-grad-on-preactivation": _t(
        "tanh의 미분을 잘못된 값에서 계산했습니다: 활성화 전 값에 출력의 공식을 적용했습니다.",
        "The tanh derivative is evaluated on the wrong value: the output's formula is applied to the pre-activation.",
        "rnn_step_backward에서 tanh을(를) 지나는 국소 미분이 어떤 캐시 값을 쓰는지 보세요.",
        "Look at which cached value the local derivative through tanh uses in rnn_step_backward.",
        "tanh′(a) = 1 − tanh²(a)이고, tanh(a)은(는) 이미 출력 next_h(으)로 저장되어 있습니다. 1 − a²은(는) 다른 함수의 미분입니다.",
        "tanh′(a) = 1 − tanh²(a), and tanh(a) is the cached output next_h; 1 − a² is the derivative of another function.",
        "`da = dnext_h * (1 - next_h**2)`을(를) 쓰세요.",
        "Use `da = dnext_h * (1 - next_h**2)`.",
        fix_words={"ko": ('1 - next_h', 'next_h**2'),
                   "en": ('1 - next_h', 'next_h**2')}),
    "rnn-tanh-missing-forward": _t(
        "순전파의 은닉 상태가 활성화 전 값의 선형 식 그대로입니다. 역전파도 이 잘못된 캐시 때문에 틀립니다.",
        "The forward's hidden state is still the linear pre-activation; the backward then works on this wrong cache too.",
        "rnn_step_forward에서 next_h을(를) 만드는 줄을 노트북의 식과 비교하세요.",
        "Compare the line that makes next_h in rnn_step_forward with the notebook's equation.",
        "RNN 셀의 은닉층 활성화 함수는 tanh입니다. tanh이(가) 없으면 은닉 상태가 [−1, 1]에 머물지 않습니다.",
        "The RNN cell's hidden activation is tanh; without it the hidden state is not kept in [−1, 1].",
        "`next_h = np.tanh(x @ Wx + prev_h @ Wh + b)`처럼 활성화 함수를 적용하세요.",
        "Apply the activation: `next_h = np.tanh(x @ Wx + prev_h @ Wh + b)`.",
        fix_words={"ko": ('np.tanh', '활성화 함수는 tanh'),
                   "en": ('np.tanh', 'activation is tanh')}),
    "rnn-forward-h0-every-step": _t(
        "순전파 루프에서 은닉 상태가 다음 시점으로 전달되지 않습니다 (순환 연결 누락).",
        "The forward loop does not pass the hidden state on to the next time step (the recurrence is missing).",
        "rnn_forward의 루프에서 각 시점이 이전 상태로 무엇을 받는지 보세요.",
        "Look at what each step of the rnn_forward loop receives as its previous state.",
        "모든 시점이 h0을(를) 받으면 각 시점이 서로 독립이 되어 순환 신경망이 아닙니다.",
        "If every step reads h0, the steps are independent and the network is not recurrent.",
        "루프 안에서 `prev_h = next_h`(으)로 상태를 넘겨주세요.",
        "Carry the state inside the loop: `prev_h = next_h`.",
        fix_words={"ko": ('prev_h = next_h',),
                   "en": ('prev_h = next_h',)}),
    "bptt-loop-forward-in-time": _t(
        "역전파 루프에서 기울기가 잘못된 시점에서 전달됩니다: 시점을 도는 순서가 틀렸습니다.",
        "In the backward loop the carried gradient comes from the wrong step: the loop visits the steps in the wrong order.",
        "rnn_backward에서 시점 루프가 어느 방향으로 도는지 보세요.",
        "Look at which direction the range of rnn_backward's time loop runs.",
        "시점 t의 기울기는 시점 t+1에서 거꾸로 전달된 기울기를 필요로 하므로, 마지막 시점부터 처음 시점으로 계산해야 합니다.",
        "The gradient at step t needs the gradient carried back from step t+1, so the loop must go from the last step to the first.",
        "`for t in range(T - 1, -1, -1):` (또는 `reversed(range(T))`)(으)로 도세요.",
        "Loop with `for t in range(T - 1, -1, -1):` (or `reversed(range(T))`).",
        fix_words={"ko": ('range(T - 1', 'reversed', '마지막 시점부터 처음 시점으로'),
                   "en": ('range(T - 1', 'reversed', 'from the last step to the first')}),
    "rnn-tanh-derivative-not-squared": _t(
        "tanh의 국소 미분식이 틀렸습니다.",
        "The local derivative of tanh has the wrong formula.",
        "rnn_step_backward에서 da을(를) 만드는 줄을 tanh의 미분 공식과 비교하세요.",
        "Compare the line that makes da in rnn_step_backward with the derivative of tanh.",
        "tanh′(a) = 1 − tanh²(a)이므로 출력 h을(를) 제곱해야 합니다. 1 − h은(는) 다른 함수의 미분입니다.",
        "tanh′(a) = 1 − tanh²(a), so the output h is squared; 1 − h is the derivative of another function.",
        "`da = dnext_h * (1 - next_h**2)`입니다.",
        "`da = dnext_h * (1 - next_h**2)`.",
        fix_words={"ko": ('next_h**2', '제곱'),
                   "en": ('next_h**2', 'squared')}),
    "rnn-dprev-h-not-transposed": _t(
        "dprev_h을(를) 계산하는 행렬곱에서 Wh을(를) 쓰는 방식이 순전파와 맞지 않습니다. Wh이(가) 정사각이라 shape은(는) 맞습니다.",
        "The matrix product that computes dprev_h does not use Wh the way the forward does; Wh is square, so the shape fits.",
        "rnn_step_backward에서 dprev_h을(를) 만드는 행렬곱을 순전파의 prev_h @ Wh과(와) 비교하세요.",
        "Compare the matrix product that makes dprev_h in rnn_step_backward with the forward's prev_h @ Wh.",
        "행 벡터 규약에서 y = x @ W의 입력 기울기는 W을(를) 전치해서 곱합니다. 정사각 행렬은 shape 검사로 이 실수를 잡을 수 없습니다.",
        "With row vectors, the input gradient of y = x @ W multiplies by W transposed; a square matrix hides the mistake from shape checks.",
        "`dprev_h = da @ Wh.T`입니다.",
        "`dprev_h = da @ Wh.T`.",
        fix_words={"ko": ('Wh.T', '전치해서 곱'),
                   "en": ('Wh.T', 'W transposed')}),
    "rnn-tanh-derivative-missing": _t(
        "활성화 전 값의 기울기 da이(가) next_h의 기울기와 같습니다: 연쇄 법칙의 한 단계가 빠졌습니다.",
        "The pre-activation's gradient da equals the gradient of next_h: one step of the chain rule is missing.",
        "rnn_step_backward에서 da을(를) 만드는 줄을 순전파에서 활성화 전 값 a이(가) next_h이(가) 되는 과정과 비교하세요.",
        "Compare the line that makes da in rnn_step_backward with the forward step that turns the pre-activation a into next_h.",
        "next_h = tanh(a)이므로 a(으)로 가는 기울기에는 tanh의 국소 미분 tanh′(a) = 1 − tanh²(a)이(가) 곱해져야 합니다. 이것이 빠지면 da에서 나오는 모든 기울기가 틀립니다.",
        "next_h = tanh(a), so the gradient to a is multiplied by tanh's local derivative tanh′(a) = 1 − tanh²(a); without it every gradient made from da is wrong.",
        "`da = dnext_h * (1 - next_h**2)`입니다.",
        "`da = dnext_h * (1 - next_h**2)`.",
        fix_words={"ko": ("tanh′", "1 − tanh²", "1 - next_h", "국소 미분"),
                   "en": ("tanh′", "1 − tanh²", "1 - next_h", "local derivative")}),
    "rnn-h0-wraparound": _t(
        "첫 시점의 dWh에 h0이(가) 아닌 다른 상태가 쓰였습니다 (파이썬 음수 인덱스).",
        "At the first time step, dWh uses another state instead of h0 (Python's negative index).",
        "rnn_backward에서 t이(가) 0일 때 이전 상태로 무엇을 읽는지 보세요.",
        "Look at what rnn_backward reads as the previous state when t is 0.",
        "h[:, t-1]은(는) t이(가) 0일 때 h[:, -1], 즉 마지막 상태 h_{T-1}입니다.",
        "At t = 0, h[:, t-1] is h[:, -1], the last state h_{T-1}.",
        "`prev_h = h[:, t-1] if t > 0 else h0`(으)로 분기하세요.",
        "Branch at t = 0: `prev_h = h[:, t-1] if t > 0 else h0`.",
        fix_words={"ko": ('if t > 0', 'else h0'),
                   "en": ('if t > 0', 'else h0')}),
    "rnn-forward-missing-bias": _t(
        "순전파의 활성화 전 값에서 항 하나가 빠졌습니다. 역전파도 이 잘못된 캐시 때문에 틀립니다.",
        "One term of the forward's pre-activation is missing; the backward then works on this wrong cache too.",
        "rnn_step_forward에서 tanh 안에 들어가는 항을 노트북의 식과 하나씩 비교하세요.",
        "Compare the terms inside tanh in rnn_step_forward with the notebook's equation, one by one.",
        "RNN 셀의 활성화 전 값은 입력 항, 순환 항, 편향의 세 항의 합입니다.",
        "The RNN cell's pre-activation is the sum of three terms: the input term, the recurrent term and the bias.",
        "`next_h = np.tanh(x @ Wx + prev_h @ Wh + b)`입니다.",
        "`next_h = np.tanh(x @ Wx + prev_h @ Wh + b)`.",
        fix_words={"ko": ('편향', '+ b)'),
                   "en": ('bias', '+ b)')}),
    "rnn-dwh-from-next-h": _t(
        "dWh을(를) 계산할 때 Wh에 곱해지는 은닉 상태가 아닌 다른 은닉 상태를 썼습니다.",
        "dWh is computed from the wrong hidden state: not the one Wh multiplies.",
        "rnn_step_backward에서 dWh을(를) 만드는 줄과 순전파에서 Wh이(가) 나오는 항을 비교하세요.",
        "Compare the line that makes dWh in rnn_step_backward with the forward term that contains Wh.",
        "순전파의 항 prev_h @ Wh에서 Wh의 기울기는 Wh에 곱해진 입력, 즉 이전 상태에서 옵니다. next_h은(는) 이 셀의 출력입니다.",
        "In the forward term prev_h @ Wh, Wh's gradient comes from what multiplies it, the previous state; next_h is the cell's output.",
        "`dWh = prev_h.T @ da`입니다.",
        "`dWh = prev_h.T @ da`.",
        fix_words={"ko": ('prev_h.T @ da',),
                   "en": ('prev_h.T @ da',)}),
    "rnn-step-db-wrong-axis": _t(
        "db을(를) 잘못된 축으로 합했습니다.",
        "db is summed over the wrong axis.",
        "rnn_step_backward에서 db의 shape을(를) docstring과(와) 비교하세요.",
        "Compare the shape of db in rnn_step_backward with the docstring.",
        "편향 b은(는) 배치의 모든 샘플에 더해지므로, 기울기는 배치 축에 대해 합합니다.",
        "The bias b is added to every sample of the batch, so its gradient sums over the batch axis.",
        "`db = da.sum(axis=0)`(으)로 shape (H,)을(를) 만드세요.",
        "`db = da.sum(axis=0)` gives shape (H,).",
        fix_words={"ko": ('axis=0', '배치 축'),
                   "en": ('axis=0', 'batch axis')}),
    # ------------------------------------------------------------------------ LSTM
    "lstm-gate-order-ifgo": _t(
        "활성화 전 값 a을(를) 게이트로 나누는 순서가 이 과목의 순서와 다릅니다. 순전파와 역전파가 서로 일관되어 기울기 검사는 통과하지만 값이 다릅니다.",
        "The pre-activation a is split into the gates in another order than this course's; forward and backward agree, so a gradient check passes, but the values differ.",
        "lstm_step_forward에서 a을(를) 네 블록으로 자르는 부분을 노트북의 게이트 순서와 비교하세요.",
        "Compare where lstm_step_forward cuts a into four blocks with the notebook's gate order.",
        "게이트 순서는 가중치의 열 배치를 정하는 규약입니다. 규약이 다르면 같은 가중치로 다른 LSTM을(를) 계산합니다.",
        "The gate order is a convention fixing which columns of the weights feed which gate; another order computes another LSTM from the same weights.",
        "순서는 [i | f | o | g]입니다: a[:, 2H:3H]이(가) 출력 게이트 o (sigmoid), a[:, 3H:]이(가) 후보 g (tanh)입니다.",
        "The order is [i | f | o | g]: a[:, 2H:3H] is the output gate o (sigmoid), a[:, 3H:] the candidate g (tanh).",
        fix_words={"ko": ('[i | f | o | g]', '2H:3H'),
                   "en": ('[i | f | o | g]', '2H:3H')}),
    "lstm-dprev-c-missing-f": _t(
        "dprev_c이(가) 틀렸습니다: 셀 상태의 기울기가 이전 시점으로 갈 때 지나는 게이트가 빠졌습니다.",
        "dprev_c is wrong: the gradient of the cell state misses a gate it crosses on its way to the previous step.",
        "lstm_step_backward의 dprev_c을(를) 순전파에서 next_c이(가) prev_c에 의존하는 항과 비교하세요.",
        "Compare dprev_c in lstm_step_backward with the forward term through which next_c depends on prev_c.",
        "next_c에서 prev_c은(는) 망각 게이트와 원소별로 곱해집니다. 연쇄 법칙에 따라 그 곱의 미분도 기울기에 곱해져야 합니다.",
        "In next_c, prev_c is multiplied element-wise by the forget gate; by the chain rule that factor multiplies the gradient too.",
        "`dprev_c = dc * f`입니다 (next_c = f ⊙ prev_c + i ⊙ g).",
        "`dprev_c = dc * f` (next_c = f ⊙ prev_c + i ⊙ g).",
        fix_words={"ko": ('dc * f', '망각 게이트'),
                   "en": ('dc * f', 'forget gate')}),
    "lstm-tanh-c-path-missing": _t(
        "셀 상태의 기울기 dc에서 은닉 상태를 거쳐 오는 경로가 빠졌습니다 (셀 상태의 두 경로).",
        "The cell-state gradient dc misses the path that comes through the hidden state (the cell state's two paths).",
        "lstm_step_backward에서 dc을(를) 만드는 줄과 순전파에서 next_c이(가) 쓰이는 곳을 모두 비교하세요.",
        "Compare the line that makes dc in lstm_step_backward with every place the forward uses next_c.",
        "next_c은(는) 다음 셀 상태이면서 next_h = o ⊙ tanh(next_c)에도 쓰이므로, 두 경로의 기울기를 더해야 합니다.",
        "next_c is the next cell state and also feeds next_h = o ⊙ tanh(next_c), so the gradients of both paths add up.",
        "`dc = dnext_c + dnext_h * o * (1 - tanh_c**2)`입니다.",
        "`dc = dnext_c + dnext_h * o * (1 - tanh_c**2)`.",
        fix_words={"ko": ('dnext_h * o', '1 - tanh_c'),
                   "en": ('dnext_h * o', '1 - tanh_c')}),
    "lstm-tanh-derivative-on-c": _t(
        "은닉 상태를 거쳐 셀 상태로 오는 경로에서 tanh의 미분을 잘못된 값에서 계산했습니다.",
        "On the path from the hidden state back to the cell state, the tanh derivative is evaluated on the wrong value.",
        "lstm_step_backward의 dc에서 tanh의 국소 미분이 어떤 값을 쓰는지 보세요.",
        "Look at which value the local derivative of tanh uses in dc in lstm_step_backward.",
        "tanh′(c) = 1 − tanh²(c)입니다. 1 − c²은(는) c이(가) 이미 tanh의 출력일 때만 맞습니다.",
        "tanh′(c) = 1 − tanh²(c); 1 − c² would only be right if c were already tanh's output.",
        "캐시에 저장한 tanh_c = tanh(next_c)(으)로 `1 - tanh_c**2`을(를) 쓰세요.",
        "Use the cached tanh_c = tanh(next_c): `1 - tanh_c**2`.",
        fix_words={"ko": ('1 - tanh_c', '1 − tanh²(c)'),
                   "en": ('1 - tanh_c', '1 − tanh²(c)')}),
    "lstm-tanh-c-derivative-missing": _t(
        "은닉 상태를 거쳐 셀 상태로 오는 경로의 기울기에서 곱해야 할 국소 미분 하나가 빠졌습니다.",
        "On the path from the hidden state back to the cell state, one local derivative is missing from the gradient.",
        "lstm_step_backward에서 dc에 더하는 은닉 상태 쪽 항을 순전파의 next_h 식과 비교하세요.",
        "Compare the hidden-state term added to dc in lstm_step_backward with the forward's next_h equation.",
        "next_h = o ⊙ tanh(next_c)이므로 next_c(으)로 가는 기울기에는 o뿐 아니라 tanh의 국소 미분 tanh′(next_c)도 곱해야 합니다.",
        "next_h = o ⊙ tanh(next_c), so the gradient to next_c is multiplied by o and by the local derivative of tanh, tanh′(next_c).",
        "`dc = dnext_c + dnext_h * o * (1 - tanh_c**2)`입니다.",
        "`dc = dnext_c + dnext_h * o * (1 - tanh_c**2)`.",
        fix_words={"ko": ('tanh의 국소 미분', 'tanh′', '1 - tanh_c'),
                   "en": ('local derivative of tanh', 'tanh′', '1 - tanh_c')}),
    "lstm-gate-derivative-as-tanh": _t(
        "sigmoid 게이트(입력, 망각, 출력 게이트)의 국소 미분이 틀렸습니다: 다른 활성화 함수의 미분을 썼습니다.",
        "The local derivative of the sigmoid gates (input, forget, output gate) is wrong: another activation function's derivative is used.",
        "lstm_step_backward에서 i, f, o의 활성화 전 값으로 가는 기울기를 보세요.",
        "Look at the gradients to the pre-activations of i, f and o in lstm_step_backward.",
        "세 게이트는 sigmoid이고 후보 g만 tanh입니다. σ′(a) = σ(a)(1 − σ(a))이고, 1 − σ²은(는) tanh의 미분 꼴입니다.",
        "The three gates are sigmoids and only the candidate g is a tanh: σ′(a) = σ(a)(1 − σ(a)); 1 − σ² is tanh's form.",
        "예: `da_i = di * i * (1 - i)`, f과(와) o도 같은 꼴입니다.",
        "E.g. `da_i = di * i * (1 - i)`, and the same form for f and o.",
        fix_words={"ko": ('i * (1 - i)', 'σ(a)(1 − σ(a))'),
                   "en": ('i * (1 - i)', 'σ(a)(1 − σ(a))')}),
    "lstm-output-gate-from-dc": _t(
        "출력 게이트의 활성화 전 값으로 가는 기울기가 계산 그래프의 다른 곳에서 출발합니다.",
        "The gradient to the output gate's pre-activation starts from the wrong place in the graph.",
        "lstm_step_backward에서 da의 출력 게이트 블록을 만드는 줄을, 순전파에서 o이(가) 쓰이는 식과 비교하세요.",
        "Compare the line that makes the output gate's block of da in lstm_step_backward with the forward equations that use o.",
        "o은(는) 셀 상태 next_c의 식에는 나오지 않고 next_h = o ⊙ tanh(next_c)에만 나옵니다. 그래서 o의 기울기는 셀 상태의 기울기 dc이(가) 아니라 dnext_h에서 출발합니다.",
        "o does not appear in the cell state next_c, only in next_h = o ⊙ tanh(next_c), so o's gradient starts from dnext_h, not from the cell-state gradient dc.",
        "`da_o = dnext_h * tanh_c * o * (1 - o)`입니다.",
        "`da_o = dnext_h * tanh_c * o * (1 - o)`.",
        fix_words={"ko": ("dnext_h에서", "dnext_h * tanh"),
                   "en": ("from dnext_h", "dnext_h * tanh")}),
    "lstm-dprev-c-not-carried": _t(
        "LSTM 역전파에서 셀 상태의 기울기 dprev_c이(가) 시점 사이에 전달되지 않습니다.",
        "In the LSTM backward, the cell-state gradient dprev_c is not carried from one time step to the previous one.",
        "lstm_backward의 루프에서 각 시점의 dprev_c이(가) 그 앞 시점의 셀 역전파로 넘어가는지 보세요.",
        "Look at whether the lstm_backward loop hands each step's dprev_c to the cell backward of the step before.",
        "c_t은(는) 다음 시점의 셀 상태 c_{t+1}을(를) 만드는 데 쓰이므로, 시점 t+1에서 계산한 dprev_c이(가) 시점 t의 dnext_c이(가) 됩니다. 이 경로가 LSTM이(가) 기울기를 멀리 전달하는 길입니다.",
        "c_t makes the next cell state c_{t+1}, so the dprev_c computed at step t+1 is the dnext_c of step t; this path is how the LSTM carries gradients far back.",
        "루프 전에 `dprev_c = 0`(으)로 두고, 매 시점 셀의 역전파에 `dnext_c = dprev_c`을(를) 넘긴 뒤 반환된 dprev_c(으)로 갱신하세요.",
        "Start with `dprev_c = 0` before the loop, pass `dnext_c = dprev_c` to each step's cell backward, and keep the dprev_c it returns.",
        fix_words={"ko": ('dnext_c = dprev_c',),
                   "en": ('dnext_c = dprev_c',)}),
    "lstm-missing-carried-gradient": _t(
        "LSTM 역전파에서 은닉 상태의 기울기 dprev_h이(가) 시점 사이에 전달되지 않습니다.",
        "In the LSTM backward, the hidden-state gradient dprev_h is not carried from one time step to the previous one.",
        "lstm_backward의 루프에서 셀의 역전파에 넘기는 dnext_h을(를) 보세요.",
        "Look at the dnext_h that the lstm_backward loop passes to the cell's backward.",
        "h_t은(는) 손실과 다음 시점 두 곳에 쓰이므로, 두 경로의 기울기를 모두 받아야 합니다.",
        "h_t feeds both the loss and the next step, so it receives the gradients of both paths.",
        "셀의 역전파에 `dh[:, t] + dprev_h`을(를) 넘기세요.",
        "Pass `dh[:, t] + dprev_h` to the cell's backward.",
        fix_words={"ko": ('+ dprev_h',),
                   "en": ('+ dprev_h',)}),
    # ------------------------------------------------------------------------- GRU
    "gru-update-gate-flipped": _t(
        "갱신 게이트 z의 역할이 뒤바뀌었습니다: 이전 상태를 유지하는 항과 후보를 받아들이는 항이 서로 바뀌었습니다.",
        "The update gate z plays the opposite role: the term that keeps the old state and the term that takes the candidate are swapped.",
        "gru_step_forward에서 next_h을(를) 만드는 줄을 노트북의 GRU 식과 비교하세요.",
        "Compare the line that makes next_h in gru_step_forward with the notebook's GRU equation.",
        "z과(와) 1 − z 중 어느 쪽이 이전 상태 h을(를) 곱하는지는 GRU의 형식(PyTorch 형식 또는 교재 형식)이(가) 정하는 규약입니다.",
        "Whether z or 1 − z multiplies the old state h is a convention fixed by the GRU form (the PyTorch form or the textbook form).",
        "PyTorch 형식: `next_h = (1 - z) * n + z * prev_h`, 교재 형식: `next_h = (1 - z) * prev_h + z * n`.",
        "PyTorch form: `next_h = (1 - z) * n + z * prev_h`; textbook form: `next_h = (1 - z) * prev_h + z * n`.",
        fix_words={"ko": ('(1 - z) * n + z * prev_h',),
                   "en": ('(1 - z) * n + z * prev_h',)}),
    "gru-reset-before-matmul": _t(
        "리셋 게이트를 후보 계산의 다른 위치에 적용했습니다 (교재 형식의 위치).",
        "The reset gate is applied at another place in the candidate (where the textbook form puts it).",
        "gru_step_forward에서 후보 n의 식과 노트북의 PyTorch 형식 식을 비교하세요.",
        "Compare the candidate n in gru_step_forward with the notebook's PyTorch-form equation.",
        "PyTorch 형식에서는 리셋 게이트가 행렬곱과 편향을 모두 거친 결과에 곱해집니다. 행렬곱 전에 곱하면 다른 GRU이(가) 됩니다.",
        "In the PyTorch form the reset gate scales the result of the matrix product and its bias; applying it before the product is another GRU.",
        "`n = tanh(x @ Wx_n + bx_n + r * (prev_h @ Wh_n + bh_n))`입니다.",
        "`n = tanh(x @ Wx_n + bx_n + r * (prev_h @ Wh_n + bh_n))`.",
        fix_words={"ko": ('r * (prev_h @ Wh_n + bh_n)',),
                   "en": ('r * (prev_h @ Wh_n + bh_n)',)}),
    "gru-reset-after-matmul": _t(
        "리셋 게이트를 후보 계산의 다른 위치에 적용했습니다 (PyTorch 형식의 위치).",
        "The reset gate is applied at another place in the candidate (where the PyTorch form puts it).",
        "gru_step_forward에서 후보 n의 식과 노트북의 교재 형식 식을 비교하세요.",
        "Compare the candidate n in gru_step_forward with the notebook's textbook-form equation.",
        "교재 형식에서는 리셋 게이트가 행렬곱 전에 이전 상태에 곱해집니다.",
        "In the textbook form the reset gate multiplies the previous state before the matrix product.",
        "교재 형식: `n = tanh(x @ Wx_n + bx_n + (r * prev_h) @ Wh_n + bh_n)`.",
        "Textbook form: `n = tanh(x @ Wx_n + bx_n + (r * prev_h) @ Wh_n + bh_n)`.",
        fix_words={"ko": ('(r * prev_h) @ Wh_n',),
                   "en": ('(r * prev_h) @ Wh_n',)}),
    "gru-dprev-h-missing-direct-path": _t(
        "dprev_h에서 직접 경로가 빠졌습니다: prev_h이(가) next_h 식에 그대로 나오는 항의 기울기가 없고, r, z, n을(를) 거치는 경로만 있습니다.",
        "dprev_h misses the direct path: the term of next_h in which prev_h itself appears gives no gradient, only the paths through r, z and n do.",
        "gru_step_backward의 dprev_h을(를) 순전파 next_h 식에서 prev_h이(가) 나오는 모든 곳과 비교하세요.",
        "Compare dprev_h in gru_step_backward with every place prev_h appears in the forward's next_h equation.",
        "prev_h은(는) next_h 식에 직접 나타나고, r, z, n을(를) 통해서도 나타납니다. 모든 경로의 기울기를 더해야 합니다.",
        "prev_h appears in next_h directly and through r, z and n: the gradients of every path add up.",
        "PyTorch 형식에서 직접 경로는 `dnext_h * z`입니다 (교재 형식: `dnext_h * (1 - z)`).",
        "In the PyTorch form the direct path is `dnext_h * z` (textbook form: `dnext_h * (1 - z)`).",
        fix_words={"ko": ('dnext_h * z', 'dnext_h * (1 - z)'),
                   "en": ('dnext_h * z', 'dnext_h * (1 - z)')}),
    "gru-dbh-missing-reset": _t(
        "dbh의 후보 블록(n)에서 곱해야 할 계수 하나가 빠져, dbx의 후보 블록과 같습니다.",
        "The candidate block (n) of dbh misses one factor, so it equals the candidate block of dbx.",
        "gru_step_backward에서 dbh을(를) 만드는 배열과 순전파에서 bh_n이(가) 나오는 항을 비교하세요.",
        "Compare the array dbh is summed from in gru_step_backward with the forward term that contains bh_n.",
        "PyTorch 형식에서 bh_n은(는) 리셋 게이트가 곱해지는 r ⊙ (h Wh_n + bh_n) 안에 있으므로, 그 기울기에는 r이(가) 곱해집니다. bx_n에는 곱해지지 않으므로 dbh과(와) dbx의 n 블록은 다릅니다.",
        "In the PyTorch form bh_n sits inside r ⊙ (h Wh_n + bh_n), which the reset gate multiplies, so its gradient is multiplied by r; bx_n's is not, so the n blocks of dbh and dbx differ.",
        "`dbh = dhp.sum(axis=0)`이며 `dhp`의 n 블록은 `da_n * r`입니다.",
        "`dbh = dhp.sum(axis=0)`, where `dhp`'s n block is `da_n * r`.",
        fix_words={"ko": ('리셋 게이트', 'r이(가) 곱해', 'da_n * r'),
                   "en": ('reset gate', 'multiplied by r', 'da_n * r')}),
    "gru-update-gate-grad-sign": _t(
        "갱신 게이트 z의 기울기 dz의 부호가 반대입니다: 기울기의 z 블록만 −1배입니다.",
        "The update gate's gradient dz has the opposite sign: only the z blocks of the gradients are negated.",
        "gru_step_backward에서 dz을(를) 만드는 줄을 순전파 next_h 식에서 z이(가) 나오는 두 항과 비교하세요.",
        "Compare the line that makes dz in gru_step_backward with the two terms of the forward's next_h equation that contain z.",
        "PyTorch 형식 next_h = (1 − z) ⊙ n + z ⊙ prev_h을(를) z(으)로 미분하면 prev_h − n이고, 교재 형식에서는 n − prev_h입니다. 빼기의 순서가 바뀌면 z의 기울기 전체가 −1배가 됩니다.",
        "Differentiating the PyTorch form next_h = (1 − z) ⊙ n + z ⊙ prev_h by z gives prev_h − n (n − prev_h in the textbook form); a subtraction in the wrong order negates z's whole gradient.",
        "PyTorch 형식: `dz = dnext_h * (prev_h - n)` (교재 형식: `dz = dnext_h * (n - prev_h)`).",
        "PyTorch form: `dz = dnext_h * (prev_h - n)` (textbook form: `dz = dnext_h * (n - prev_h)`).",
        fix_words={"ko": ("prev_h − n", "prev_h - n", "n − prev_h", "n - prev_h"),
                   "en": ("prev_h − n", "prev_h - n", "n − prev_h", "n - prev_h")}),
    "gru-missing-carried-gradient": _t(
        "GRU 역전파에서 은닉 상태의 기울기 dprev_h이(가) 시점 사이에 전달되지 않습니다.",
        "In the GRU backward, the hidden-state gradient dprev_h is not carried from one time step to the previous one.",
        "gru_backward의 루프에서 셀의 역전파에 넘기는 dnext_h을(를) 보세요.",
        "Look at the dnext_h that the gru_backward loop passes to the cell's backward.",
        "h_t은(는) 손실과 다음 시점 두 곳에 쓰이므로, 두 경로의 기울기를 모두 받아야 합니다.",
        "h_t feeds both the loss and the next step, so it receives the gradients of both paths.",
        "셀의 역전파에 `dh[:, t] + dprev_h`을(를) 넘기세요.",
        "Pass `dh[:, t] + dprev_h` to the cell's backward.",
        fix_words={"ko": ('+ dprev_h',),
                   "en": ('+ dprev_h',)}),
    # ------------------------------------------------------------------------ loss
    "loss-mask-not-applied-to-dx": _t(
        "패딩 위치(마스크가 0인 위치)에도 기울기 dx이(가) 0이(가) 아닙니다.",
        "Padded positions (where the mask is 0) still get a nonzero gradient dx.",
        "temporal_softmax_loss에서 dx을(를) 만드는 부분을 손실을 만드는 부분과 비교하세요.",
        "Compare where temporal_softmax_loss makes dx with where it makes the loss.",
        "마스크가 0인 위치는 손실에 기여하지 않으므로, 그 위치의 기울기도 0이어야 합니다.",
        "A position whose mask is 0 does not contribute to the loss, so its gradient must be 0 too.",
        "dx에도 `mask[:, :, None]`을(를) 곱하세요.",
        "Multiply dx by `mask[:, :, None]` too.",
        fix_words={"ko": ('mask[:, :, None]', 'dx에도'),
                   "en": ('mask[:, :, None]', 'Multiply dx by')}),
    "loss-mask-not-applied-to-loss": _t(
        "패딩 위치(마스크가 0인 위치)도 손실에 더해졌습니다.",
        "Padded positions (where the mask is 0) add to the loss too.",
        "temporal_softmax_loss에서 손실을 합하는 줄을 dx을(를) 만드는 부분과 비교하세요.",
        "Compare the line where temporal_softmax_loss sums the loss with where it makes dx.",
        "마스크가 0인 위치는 패딩이므로 손실에 기여하지 않아야 합니다. dx에만 마스크를 적용하면 손실과 기울기가 서로 맞지 않습니다.",
        "A position whose mask is 0 is padding and must not contribute to the loss; masking dx only makes loss and gradient disagree.",
        "`loss = -np.sum(mask * log_p_y) / N`입니다.",
        "`loss = -np.sum(mask * log_p_y) / N`.",
        fix_words={"ko": ('mask * log_p_y', '손실에 기여하지 않아야'),
                   "en": ('mask * log_p_y', 'must not contribute to the loss')}),
    "loss-averaged-over-nt": _t(
        "손실과 기울기를 평균 낼 때 나누는 수가 이 과목의 정의와 다릅니다.",
        "The loss and its gradient are divided by another number than this course's definition.",
        "temporal_softmax_loss에서 손실과 dx을(를) 무엇으로 나누는지 docstring과(와) 비교하세요.",
        "Compare what temporal_softmax_loss divides the loss and dx by with the docstring.",
        "이 과목의 손실은 시간에 대해 합하고 배치에 대해서만 평균합니다.",
        "This course's loss sums over time and averages over the batch only.",
        "loss과(와) dx 모두 N으로만 나누세요 (N·T이(가) 아님).",
        "Divide both the loss and dx by N only (not N·T).",
        fix_words={"ko": ('N으로만', '배치에 대해서만'),
                   "en": ('by N only', 'over the batch only')}),
    "softmax-dx-missing-onehot": _t(
        "softmax 손실의 기울기 dx에서 정답 클래스 항이 빠졌습니다.",
        "The softmax loss gradient dx misses the term of the correct class.",
        "temporal_softmax_loss에서 확률 p로부터 dx을(를) 만드는 부분을 보세요.",
        "Look at where temporal_softmax_loss turns the probabilities p into dx.",
        "교차 엔트로피 −log p_y을(를) 점수로 미분하면 모든 클래스에서 p이(가), 정답 클래스에서만 추가로 −1이(가) 나옵니다.",
        "Differentiating the cross-entropy −log p_y by the scores gives p for every class, and an extra −1 at the correct class only.",
        "`dx[n, t, y[n, t]] -= 1`을(를) 마스크와 1/N을(를) 곱하기 전에 적용하세요 (dx = p − onehot(y)).",
        "Apply `dx[n, t, y[n, t]] -= 1` before masking and dividing by N (dx = p − onehot(y)).",
        fix_words={"ko": ('-= 1', '−1'),
                   "en": ('-= 1', '−1')}),
    # ------------------------------------------------------------------- embedding
    "embedding-backward-repeated-indices": _t(
        "같은 단어가 여러 번 나올 때 dW에 그 단어의 기여가 하나만 남습니다.",
        "When a word occurs several times, dW keeps only one of its contributions.",
        "word_embedding_backward에서 dout을(를) dW에 모으는 줄을 보세요 (팬시 인덱싱).",
        "Look at the line of word_embedding_backward that gathers dout into dW (fancy indexing).",
        "`dW[x] += dout`은(는) 버퍼링되어, 반복된 인덱스에는 마지막 값 하나만 더해집니다.",
        "`dW[x] += dout` is buffered: a repeated index receives one value only.",
        "`np.add.at(dW, x, dout)`(으)로 반복된 인덱스의 기여를 모두 더하세요.",
        "Use `np.add.at(dW, x, dout)` to add up every occurrence.",
        fix_words={"ko": ('np.add.at',),
                   "en": ('np.add.at',)}),
    "temporal-affine-db-batch-only": _t(
        "db의 shape이(가) (T, M)입니다: 합하는 축이 틀렸습니다.",
        "db has shape (T, M): it is summed over the wrong axes.",
        "temporal_affine_backward에서 db의 shape을(를) docstring과(와) 비교하세요.",
        "Compare the shape of db in temporal_affine_backward with the docstring.",
        "편향은 모든 시점에서 공유되므로, 기울기는 배치와 시간 모두에 대해 합합니다.",
        "The bias is shared by every time step, so its gradient sums over the batch and over time.",
        "`db = dout.sum(axis=(0, 1))`을(를) 쓰세요.",
        "Use `db = dout.sum(axis=(0, 1))`.",
        fix_words={"ko": ('axis=(0, 1)', '배치와 시간 모두'),
                   "en": ('axis=(0, 1)', 'over the batch and over time')}),
    # --------------------------------------------------------------- gradient flow
    "grad-norms-frobenius": _t(
        "야코비안 곱의 크기를 이 과목이 정한 노름과 다른 노름으로 계산했습니다.",
        "The size of the Jacobian product is measured with another norm than the one this course asks for.",
        "rnn_hidden_grad_norms에서 np.linalg.norm을(를) 부르는 부분과 그 기본값을 확인하세요.",
        "Look at the call to np.linalg.norm in rnn_hidden_grad_norms and at its default.",
        "기울기 소멸과 폭발은 스펙트럼 노름(최대 특이값)(으)로 봅니다. 2차원 배열에 대한 np.linalg.norm의 기본값은 프로베니우스 노름입니다.",
        "Vanishing and exploding gradients are measured by the spectral norm (largest singular value); np.linalg.norm of a 2-D array defaults to the Frobenius norm.",
        "`np.linalg.norm(P, 2)` 또는 `np.linalg.svd(P, compute_uv=False)[..., 0]`을(를) 쓰세요.",
        "Use `np.linalg.norm(P, 2)` or `np.linalg.svd(P, compute_uv=False)[..., 0]`.",
        fix_words={"ko": ('norm(P, 2)', '스펙트럼 노름'),
                   "en": ('norm(P, 2)', 'spectral norm')}),
    "grad-norms-product-reversed": _t(
        "야코비안들을 곱하는 순서가 틀렸습니다.",
        "The Jacobians are multiplied in the wrong order.",
        "rnn_hidden_grad_norms의 루프에서 새 야코비안을 곱의 어느 쪽에 곱하는지 보세요.",
        "Look at which side of the product the loop of rnn_hidden_grad_norms multiplies the new Jacobian on.",
        "연쇄 법칙에 따라 ∂h_{T-1}/∂h_t은(는) 뒤 시점의 야코비안부터 차례로 곱한 것이고, 행렬곱은 교환 법칙이 성립하지 않습니다.",
        "By the chain rule ∂h_{T-1}/∂h_t is the product of the Jacobians from the last step down, and matrix products do not commute.",
        "t을(를) 줄여 가며 기존 곱의 오른쪽에 새 야코비안을 곱하세요: `P = P @ J[:, t+1]` (∂h_{T-1}/∂h_t = J_{T-1} ⋯ J_{t+1}).",
        "Going back in t, multiply the new Jacobian on the right: `P = P @ J[:, t+1]` (∂h_{T-1}/∂h_t = J_{T-1} ⋯ J_{t+1}).",
        fix_words={"ko": ('P @ J', '오른쪽'),
                   "en": ('P @ J', 'on the right')}),
    "grad-norms-jacobian-not-transposed": _t(
        "한 시점의 야코비안이 전치된 형태입니다 (열 벡터 규약의 식).",
        "The one-step Jacobian is transposed (the column-vector formula).",
        "rnn_hidden_grad_norms에서 한 시점 야코비안을 만드는 부분을 원소 하나로 확인하세요.",
        "Check one entry of the one-step Jacobian that rnn_hidden_grad_norms builds.",
        "이 과목은 행 벡터 규약(h @ Wh)을(를) 쓰므로, 야코비안의 (k, j) 원소는 Wh[j, k]을(를) 포함합니다.",
        "This course uses row vectors (h @ Wh), so the Jacobian's entry (k, j) contains Wh[j, k].",
        "∂h_t/∂h_{t-1} = diag(1 − h_t²) Wh.T 입니다: ∂h_t[k]/∂h_{t-1}[j] = (1 − h_t[k]²) Wh[j, k].",
        "∂h_t/∂h_{t-1} = diag(1 − h_t²) Wh.T: ∂h_t[k]/∂h_{t-1}[j] = (1 − h_t[k]²) Wh[j, k].",
        fix_words={"ko": ('Wh.T', 'Wh[j, k]'),
                   "en": ('Wh.T', 'Wh[j, k]')}),
    # -------------------------------------------------------------------- clipping
    "clip-norm-elementwise": _t(
        "노름 클리핑 대신 값 클리핑을 했습니다.",
        "Value clipping is used where norm clipping is asked for.",
        "clip_grad_norm에서 기울기를 줄이는 방법을 노트북의 노름 클리핑 설명과 비교하세요.",
        "Compare how clip_grad_norm shrinks the gradients with the notebook's description of norm clipping.",
        "노름 클리핑은 기울기의 방향을 유지한 채 전체 크기만 줄입니다. 원소별로 자르면 방향이 바뀝니다.",
        "Norm clipping rescales the gradients and keeps their direction; clipping each element changes the direction.",
        "전역 노름이 max_norm을(를) 넘으면 모든 기울기에 `max_norm / (total_norm + 1e-6)`을(를) 곱하세요.",
        "If the total norm exceeds max_norm, multiply every gradient by `max_norm / (total_norm + 1e-6)`.",
        fix_words={"ko": ('max_norm / (total_norm',),
                   "en": ('max_norm / (total_norm',)}),
    "clip-norm-per-tensor": _t(
        "배열마다 따로 노름을 계산해 클리핑했습니다.",
        "Each array is clipped by its own norm.",
        "clip_grad_norm에서 노름을 계산하는 범위를 보세요.",
        "Look at what clip_grad_norm computes the norm over.",
        "이 과목(torch.nn.utils.clip_grad_norm_과(와) 같음)은(는) 모든 기울기를 하나의 벡터로 본 전역 노름을 씁니다.",
        "This course (like torch.nn.utils.clip_grad_norm_) uses one global norm over all gradients.",
        "`total_norm = sqrt(Σ‖g‖²)`을(를) 한 번 계산하고 같은 배율을 모든 기울기에 적용하세요.",
        "Compute `total_norm = sqrt(Σ‖g‖²)` once and apply the same scale to every gradient.",
        fix_words={"ko": ('전역 노름', 'Σ‖g‖²'),
                   "en": ('global norm', 'Σ‖g‖²')}),
    "clip-value-one-sided": _t(
        "값 클리핑이 한쪽만 자릅니다.",
        "Value clipping cuts one side only.",
        "clip_grad_value에서 기울기를 자르는 범위의 아래쪽 끝을 보세요.",
        "Look at the lower end of the range clip_grad_value clips to.",
        "값 클리핑은 각 원소를 [−clip_value, clip_value] 범위로 자릅니다.",
        "Value clipping cuts every element to the range [−clip_value, clip_value].",
        "`np.clip(g, -clip_value, clip_value)`을(를) 쓰세요.",
        "Use `np.clip(g, -clip_value, clip_value)`.",
        fix_words={"ko": ('-clip_value', 'np.clip'),
                   "en": ('-clip_value', 'np.clip')}),
    "clip-norm-missing-sqrt": _t(
        "전역 노름이 아닌 다른 값(제곱의 합)을(를) 노름으로 썼습니다.",
        "The global norm is replaced by another quantity (the sum of squares).",
        "clip_grad_norm에서 total_norm을(를) 계산하는 줄을 L2 노름의 정의와 비교하세요.",
        "Compare the line that computes total_norm in clip_grad_norm with the definition of the L2 norm.",
        "L2 노름은 제곱의 합의 제곱근입니다. 제곱근이 빠지면 노름과 클리핑 배율이 모두 달라집니다.",
        "The L2 norm is the square root of the sum of squares; without the root both the norm and the clipping scale change.",
        "`total_norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))`입니다.",
        "`total_norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))`.",
        fix_words={"ko": ('np.sqrt', '제곱근'),
                   "en": ('np.sqrt', 'square root')}),
    # ------------------------------------------------------------------ optimisers
    "sgd-ascent": _t(
        "매개변수가 손실이 커지는 방향으로 움직입니다 (경사 하강법의 부호).",
        "The parameters move in the direction that increases the loss (the sign of gradient descent).",
        "sgd_step에서 매개변수를 갱신하는 줄의 부호를 보세요.",
        "Look at the sign in the line of sgd_step that updates the parameters.",
        "기울기는 손실이 가장 빨리 커지는 방향이므로, 손실을 줄이려면 그 반대로 움직여야 합니다.",
        "The gradient points where the loss grows fastest, so descent moves against it.",
        "`p - lr * g`입니다.",
        "`p - lr * g`.",
        fix_words={"ko": ('p - lr * g', '반대로 움직'),
                   "en": ('p - lr * g', 'moves against')}),
    "adam-no-bias-correction": _t(
        "Adam의 처음 몇 번의 갱신 크기가 틀렸습니다: m과(와) v을(를) 쓰기 전에 하는 단계 하나가 빠졌습니다.",
        "The size of Adam's first updates is wrong: one step between updating m and v and using them is missing.",
        "adam_step에서 m과(와) v을(를) 갱신한 뒤 매개변수 갱신에 쓰기 전의 단계를 노트북의 식과 비교하세요.",
        "Compare what adam_step does between updating m and v and using them with the notebook's equations.",
        "m과(와) v은(는) 0에서 시작하므로 처음 몇 번의 갱신에서는 0 쪽으로 치우쳐 있습니다. 보정하지 않으면 초기 갱신 크기가 달라집니다.",
        "m and v start at zero, so they are biased towards zero during the first steps; without the correction the early steps have the wrong size.",
        "`t = step + 1`일 때 `m_hat = m / (1 - beta1**t)`, `v_hat = v / (1 - beta2**t)`, `p - lr * m_hat / (sqrt(v_hat) + eps)`.",
        "With `t = step + 1`: `m_hat = m / (1 - beta1**t)`, `v_hat = v / (1 - beta2**t)`, `p - lr * m_hat / (sqrt(v_hat) + eps)`.",
        fix_words={"ko": ('m_hat', '보정'),
                   "en": ('m_hat', 'correction')}),
    # --------------------------------------------------------------- architectures
    "birnn-backward-states-not-flipped": _t(
        "역방향 RNN의 출력이 시간 순서로 정렬되지 않아, 위치 t에 다른 시점의 상태가 놓였습니다.",
        "The backward direction's states are not put back in time order, so position t holds the state of another time step.",
        "bidirectional_forward에서 역방향 결과를 순방향 결과와 이어 붙이기 전의 순서를 보세요.",
        "Look at the order of the backward direction's states before bidirectional_forward concatenates them with the forward ones.",
        "뒤집은 입력 x[:, ::-1](으)로 계산한 상태는 뒤집힌 시간 순서로 나옵니다. 위치 t의 역방향 상태는 x[:, t:]을(를) 읽은 상태여야 합니다.",
        "States computed on the flipped input x[:, ::-1] come out in flipped time order; the backward state at position t must have read x[:, t:].",
        "`h_b[:, ::-1]`(으)로 되돌린 뒤 이어 붙이고, 역전파에서도 같은 뒤집기를 하세요.",
        "Flip back with `h_b[:, ::-1]` before concatenating, and mirror it in the backward.",
        fix_words={"ko": ('h_b[:, ::-1]',),
                   "en": ('h_b[:, ::-1]',)}),
    "stacked-lower-layers-get-top-gradient": _t(
        "다층 RNN의 아래층이 위층으로부터 온 기울기가 아니라 맨 위층의 기울기를 받습니다.",
        "The lower layers of the stacked RNN receive the top layer's gradient instead of the gradient from the layer above.",
        "stacked_backward의 층 루프에서 각 층의 역전파에 넘기는 기울기를 보세요.",
        "Look at the gradient that the layer loop of stacked_backward passes to each layer's backward.",
        "l층의 출력은 l+1층의 입력이므로, l층의 출력 기울기는 l+1층 역전파가 돌려준 입력 기울기 dx입니다.",
        "Layer l's output is layer l+1's input, so layer l's output gradient is the input gradient dx returned by layer l+1's backward.",
        "루프에서 `d, dh0[l], ... = rnn_backward(d, cache[l])`처럼 위층이 돌려준 d을(를) 넘기세요.",
        "In the loop pass the d returned by the layer above: `d, dh0[l], ... = rnn_backward(d, cache[l])`.",
        fix_words={"ko": ('rnn_backward(d, cache[l])',),
                   "en": ('rnn_backward(d, cache[l])',)}),
    "stacked-interlayer-gradient-overwritten": _t(
        "다층 RNN의 아래층에서 위층으로부터 온 기울기가 시간 방향으로 전달된 기울기를 덮어썼습니다.",
        "In the lower layers of the stacked RNN, the gradient from the layer above overwrites the gradient carried back through time.",
        "stacked_backward에서 아래층 은닉 상태의 기울기를 만드는 부분을 보세요.",
        "Look at where stacked_backward makes the gradient of a lower layer's hidden states.",
        "아래층의 h_t은(는) 위층(같은 시점)과(와) 자기 층의 다음 시점 두 곳에 쓰이므로, 두 기울기를 더해야 합니다.",
        "A lower layer's h_t feeds the layer above and its own next step, so both gradients add up.",
        "위층에서 온 기울기를 아래층의 dh(으)로 넘기고, 그 층의 역전파 안에서 `dh[:, t] + dprev_h`을(를) 쓰세요 (`=`이(가) 아니라 `+`).",
        "Pass the gradient from above as the lower layer's dh and use `dh[:, t] + dprev_h` inside its backward (`+`, not `=`).",
        fix_words={"ko": ('+ dprev_h',),
                   "en": ('+ dprev_h',)}),
}


# ---------------------------------------------------------------------- generic patterns
#
# "detail" is appended to ``what`` when the diagnosis carries its parameters; a dict of
# details is chosen by the parameter "variant" ("default" without one).  A detail of the form
# {"what": ..., "where": ...} also replaces ``where`` (a square transposed matrix: the shape,
# which ``where`` points at, cannot tell).  Parameters are completed by :func:`_derived`.

GENERIC_TEXTS: dict[str, dict] = {
    "transposed": _t(
        "결과가 정답을 전치한 것, 즉 축의 순서가 바뀐 것과 같습니다.",
        "Your output equals the correct one transposed: its axes are in the wrong order.",
        "각 중간값의 .shape을(를) docstring과(와) 비교해 보세요.",
        "Compare each intermediate's .shape with the docstring.",
        "행 벡터 규약(x @ W)에서 가중치 기울기는 입력을 전치해서 곱합니다.",
        "With row vectors (x @ W), a weight gradient multiplies by the input transposed.",
        "y = x @ W이면 `dW = x.T @ dy`, `dx = dy @ W.T`입니다.",
        "If y = x @ W, then `dW = x.T @ dy` and `dx = dy @ W.T`.",
        detail={
            "default": {"ko": "(축 순서 {axes})", "en": "(axis order {axes})"},
            # a square matrix: its shape cannot tell, so the words name the product and its factor
            "square": {
                "what": {"ko": "({output}이(가) 정사각 행렬이라 shape(으)로는 알 수 없습니다: 순전파의 행렬곱 {product}에서 "
                               "인수 {factor}의 전치나 곱하는 쪽이 틀렸습니다)",
                         "en": "({output} is square, so its shape cannot tell: in the forward's product {product}, the "
                               "factor {factor} is transposed wrongly or multiplies on the wrong side)"},
                "where": {"ko": "{output}을(를) 만드는 행렬곱에서 {factor}이(가) 어느 쪽에 곱해지는지, 전치되는지를 순전파의 "
                                "{product}과(와) 비교하세요.",
                          "en": "In the product that makes {output}, check on which side {factor} multiplies and whether "
                                "it is transposed, against the forward's {product}."}},
            "square-other": {
                "what": {"ko": "({output}이(가) 정사각 행렬이라 shape(으)로는 알 수 없습니다: 이 값을 만드는 행렬곱의 한 "
                               "인수의 전치나 곱하는 쪽이 틀렸습니다)",
                         "en": "({output} is square, so its shape cannot tell: one factor of the product that makes it "
                               "is transposed wrongly or multiplies on the wrong side)"},
                "where": {"ko": "{output}을(를) 만드는 행렬곱의 두 인수를 순전파에서 그 값들이 곱해진 식과 비교하세요: 어느 "
                                "쪽에서, 전치되어 곱해지는지 보세요.",
                          "en": "Compare the two factors of the product that makes {output} with the forward equation "
                                "they come from: on which side each multiplies, and whether it is transposed."}},
        }),
    "wrong-sign": _t(
        "결과의 부호가 정답과 반대입니다 (−1배).",
        "Your output has the opposite sign of the correct one (−1 times).",
        "빼기의 순서와 (1 − z), (1 − f) 같은 항의 부호를 확인하세요.",
        "Check the order of each subtraction and the signs of terms like (1 − z).",
        "기울기 전체의 부호가 바뀌는 것은 대개 한 곳의 빼기 순서가 바뀐 것입니다.",
        "A gradient with the opposite sign everywhere usually comes from one subtraction in the wrong order.",
        "예: softmax 손실의 기울기는 `p - onehot`이지 `onehot - p`이(가) 아닙니다.",
        "E.g. the softmax loss gradient is `p - onehot`, not `onehot - p`."),
    "constant-factor": _t(
        "결과가 정답의 상수배입니다: 방향은 맞고 크기만 다릅니다.",
        "Your output is a constant multiple of the correct one: right direction, wrong scale.",
        "평균을 낼 때 나누는 수, 빠진 상수, 두 번 곱한 항을 확인하세요.",
        "Check what you divide by when averaging, a missing constant, or a factor applied twice.",
        "모든 원소가 같은 비율로 틀리면 식의 구조는 맞고 곱해지는 상수 하나가 다릅니다.",
        "When every entry is off by the same ratio, the structure is right and one constant factor differs.",
        "배율을 보고 나누는 수(N, T, N·T)이나(나) 상수(예: 2)을(를) docstring과(와) 맞추세요.",
        "Use the factor to find the divisor (N, T, N·T) or constant (e.g. 2) that differs from the docstring.",
        detail={"ko": "(배율 ≈ {factor:.4g})", "en": "(factor ≈ {factor:.4g})"}),
    "all-zeros": _t(
        "결과가 모두 0입니다.",
        "Your output is all zeros.",
        "0(으)로 초기화한 배열에 결과를 실제로 더하거나 대입하는지, 반환하는 변수가 맞는지 확인하세요.",
        "Check that you actually add or assign into the zero-initialised array, and that you return the right variable.",
        "값을 계산했지만 반환하지 않았거나, 0(으)로 초기화한 배열을 그대로 돌려준 것 같습니다.",
        "A value seems to be computed but not returned, or a zero-initialised array is returned unchanged.",
        "계산한 값을 `np.zeros`(으)로 만든 배열에 `+=`(으)로 더하거나 대입한 뒤 그 배열을 반환하세요.",
        "Add (`+=`) or assign the computed values into the array made with `np.zeros`, then return that array."),
    "partial-time-steps": _t(
        "일부 시점에서만 맞습니다.",
        "Right for some time steps only.",
        "루프에서 시점 사이에 넘겨주는 값(순전파의 prev_h, 역전파의 dprev_h)을(를) 확인하세요.",
        "Check what the loop passes from one time step to the next (prev_h forward, dprev_h backward).",
        "한 시점에서 생긴 오류는 순환 연결을 따라 퍼집니다. 역전파라면 뒤 시점의 기울기가 앞 시점으로 제대로 전달되지 않는 경우가 대부분입니다 (시간 역전파).",
        "An error made at one step spreads along the recurrence; in a backward pass this usually means the gradient from later steps is not carried back (backpropagation through time).",
        "역전파 루프에서 `dh[:, t] + dprev_h`을(를) 셀에 넘기고, 순전파 루프에서 `prev_h = next_h`(으)로 상태를 넘기세요.",
        "Pass `dh[:, t] + dprev_h` to the cell in the backward loop, and carry `prev_h = next_h` in the forward loop.",
        detail={
            "suffix": {"ko": "(t ≥ {k}인 마지막 시점들에서만 맞고 그 앞은 틀림: 기울기가 시간을 거슬러 전달되지 않습니다)",
                       "en": "(right only for the last steps t ≥ {k}, wrong before: the gradient is not carried back through time)"},
            "prefix": {"ko": "(t ≤ {k}까지만 맞고 그 뒤는 틀림: 다음 시점으로 넘기는 값이 잘못되었습니다)",
                       "en": "(right only for t ≤ {k}, wrong after: what is passed on to the next step is wrong)"},
        }),
    "shape-mismatch": _t(
        "결과의 shape이(가) 기대한 shape과(와) 다릅니다.",
        "Your output's shape differs from the expected shape.",
        "어느 축으로 합하는지, 빠지거나 남은 축이 없는지 docstring의 shape과(와) 비교하세요.",
        "Check which axes you sum over and compare every shape with the docstring.",
        "편향처럼 여러 위치에서 공유되는 값의 기울기는 공유된 축에 대해 합해야 합니다.",
        "The gradient of a value shared across positions (like a bias) sums over the shared axes.",
        "예: 시간 축이 있는 층(temporal_affine_backward)의 db은(는) `dout.sum(axis=(0, 1))`입니다.",
        "E.g. a temporal layer's db is `dout.sum(axis=(0, 1))`.",
        detail={"ko": "(결과 {got}, 기대 {expected})", "en": "(got {got}, expected {expected})"}),
    "gate-block": _t(
        "한 게이트의 블록만 틀렸습니다.",
        "Only one gate's block is wrong.",
        "그 게이트의 블록을 만드는 줄을 맞은 블록들의 줄과 비교하고, 순전파에서 그 게이트가 쓰이는 식을 보세요.",
        "Compare the line that makes that gate's block with the lines of the right blocks, and look at the forward "
        "equations that use that gate.",
        "블록마다 한 게이트의 활성화 전 값에 대한 기울기입니다. 한 블록만 틀렸다면 그 게이트의 국소 미분이나 그 게이트로 "
        "들어오는 기울기가 틀렸습니다.",
        "Each block is the gradient of one gate's pre-activation; when only one is wrong, that gate's local derivative "
        "or the gradient reaching that gate is wrong.",
        "노트북의 식에서 그 게이트의 기울기를 한 항씩 다시 유도해, 맞은 블록과 같은 방식으로 계산했는지 비교하세요.",
        "Derive that gate's gradient again from the notebook's equations, term by term, and compare it with how the "
        "right blocks are computed.",
        detail={"ko": "({output}의 {gate_name} 블록({gate})만 틀리고 다른 블록은 맞음)",
                "en": "(only the {gate_name} block ({gate}) of {output} is wrong; the other blocks are right)"}),
    # set by the pipeline, not by comparing values: a backward that calls its forward once per
    # perturbed number (course.yaml grading.numerical_gradient)
    "numerical-gradient": _t(
        "수치 기울기이지 역전파가 아닙니다: 역전파 함수가 실행되는 동안 순전파 함수를 입력 원소마다 다시 호출했습니다.",
        "A numerical gradient, not backpropagation: while the backward ran it called the forward again for every perturbed number.",
        "역전파 함수 안에서 순전파 함수를 부르는 곳을 보세요.",
        "Look for calls to the forward inside your backward.",
        "값은 맞더라도 이 과제는 연쇄 법칙으로 기울기를 계산하는 것입니다. 수치 미분은 답을 확인하는 데만 씁니다.",
        "Even if the values are right, the exercise is to compute the gradient by the chain rule; finite differences are for checking.",
        "순전파의 cache에 저장한 중간값으로 국소 미분을 곱해 가며 기울기를 거꾸로 전달하세요.",
        "Propagate the gradient backwards by multiplying local derivatives, using the values saved in the forward's cache."),
}


# The gate a block of a stacked LSTM/GRU gradient belongs to (diagnose.gate_block_diagnosis),
# by the glossary's English term.
GATE_TERMS = {"i": "input gate", "f": "forget gate", "o": "output gate", "g": "candidate",
              "r": "reset gate", "z": "update gate", "n": "candidate"}

# The forward product a square gradient comes from, and the factor whose transpose or side
# decides it (the "transposed" pattern on a square matrix): by function.output, else by output.
PRODUCTS = {
    "dWx": ("x @ Wx", "x"), "dWh": ("prev_h @ Wh", "prev_h"),
    "dx": ("x @ Wx", "Wx"), "dprev_h": ("prev_h @ Wh", "Wh"), "dh0": ("h0 @ Wh", "Wh"),
    "temporal_affine_backward.dx": ("x @ w", "w"), "temporal_affine_backward.dw": ("x @ w", "x"),
}


def _derived(params: Mapping[str, Any], language: str) -> dict:
    """A diagnosis' parameters with the words they stand for: the gate's glossary name, the
    product and factor of a square transposed output."""
    params = dict(params)
    if params.get("gate") in GATE_TERMS:
        term = TERM_BY_EN[GATE_TERMS[params["gate"]]]
        params["gate_name"] = term.ko if language == "ko" else term.en
    if params.get("variant") == "square":
        product = PRODUCTS.get(f"{params.get('function')}.{params.get('output')}") or PRODUCTS.get(params.get("output", ""))
        if product is None:
            params["variant"] = "square-other"
        else:
            params["product"], params["factor"] = product
    return params


def _entry(diagnosis_id: str) -> dict | None:
    return MUTANT_TEXTS.get(diagnosis_id) or GENERIC_TEXTS.get(diagnosis_id)


def _lang(texts: Mapping[str, str], language: str) -> str:
    return texts.get(language) or texts["en"]


def _parts(entry: Mapping[str, Any], language: str, params: Mapping[str, Any] | None) -> dict[str, str]:
    """The four parts of an entry in ``language``; an entry in the older two-field form
    ({"explanation", "hint"}) reads as what = explanation, where = hint, no why or fix."""
    if "what" not in entry:
        parts = {"what": _lang(entry["explanation"], language), "where": _lang(entry.get("hint", {"en": ""}), language),
                 "why": "", "fix": ""}
    else:
        parts = {p: _lang(entry[p], language) for p in PARTS}
    detail = entry.get("detail")
    if params and detail:
        params = _derived(params, language)
        if "ko" not in detail:  # one detail per variant
            detail = detail.get(params.get("variant", "default"))
        if detail:
            words = detail if "what" in detail else {"what": detail}
            try:
                extra = {part: _lang(words[part], language).format(**params) for part in ("what", "where") if part in words}
            except (KeyError, ValueError, IndexError, TypeError):
                extra = {}
            if "what" in extra:
                parts["what"] += " " + extra["what"]
            if "where" in extra:
                parts["where"] = extra["where"]
    return parts


def render(diagnosis_id: str, level: str = DEFAULT_LEVEL, language: str = "ko",
           params: Mapping[str, Any] | None = None, extra: Mapping[str, Mapping] | None = None) -> dict | None:
    """{"explanation": ..., "hint": ...} of a diagnosis at ``level`` in ``language``; None if unknown.

    ``params`` are a diagnosis' parameters (a generic pattern's factor, axes, shapes, time
    steps); ``extra`` maps ids to entries not in this module (e.g. a pattern added elsewhere).
    This is the API the grader (result JSON) and the notebook's self-check (hint level) call.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown feedback level {level!r}; use one of: {', '.join(LEVELS)}")
    entry = _entry(diagnosis_id) or (extra or {}).get(diagnosis_id)
    if entry is None:
        return None
    parts = _parts(entry, language, params)
    explanation = parts["what"] if level == "hint" else " ".join(p for p in (parts["what"], parts["why"]) if p)
    hint = parts["fix"] if level == "reveal" and parts["fix"] else parts["where"]
    return {"explanation": fill_particles(explanation), "hint": fill_particles(hint)}


def levels(diagnosis_id: str, language: str) -> dict[str, dict | None]:
    """Every level of one diagnosis: level -> {"explanation", "hint"} (docs, tests)."""
    return {level: render(diagnosis_id, level, language) for level in LEVELS}
