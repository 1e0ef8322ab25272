"""The real seed article of the Phúc Lợi ward portal (15/09/2023), verbatim."""

from datetime import datetime

SEED_CATEGORY = "Hoạt động tổ dân phố và các đơn vị hiệp quản"
SEED_TITLE = "Chi bộ tổ dân phố số 2, Đảng bộ phường Phúc Lợi tổ chức sinh hoạt chính trị, tư tưởng"
SEED_POSTED = datetime(2023, 9, 15, 18, 2)
SEED_VIEWS = 29
SEED_PARAGRAPHS = [
    (
        "Thực hiện Kế hoạch số 82-KH/ĐU, ngày 13/9/2023, Chi bộ tổ dân phố số 2 tổ chức "
        "sinh hoạt chính trị, tư tưởng về thực hiện Chỉ thị số 24 - CT/TU ngày 07/8/2023 "
        "của Ban Thường vụ Thành uỷ Hà Nội."
    ),
    (
        "Tại buổi sinh hoạt, đồng chí Bí thư chi bộ đã quán triệt\xa0mục đích yêu cầu của "
        "buổi sinh hoạt chính trị tư tưởng; đánh giá tình hình thực tế việc triển khai "
        "nhiệm vụ của chi bộ.\xa0Định hướng buổi sinh hoạt tập trung vào các nhóm vấn đề: "
        "công tác lãnh đạo, chỉ đạo thực hiện nhiệm vụ chính trị tại địa phương; sửa "
        "đổi, bổ sung Quy chế làm việc; việc phân công đảng viên, công tác kiểm tra giám "
        "sát, việc đảng viên thực hiện các nhiệm vụ do chi bộ phân công; công tác lãnh "
        "đạo, chỉ đạo hoạt động của các chi hội đoàn thể."
    ),
    (
        "Tại hội nghị có 9 ý kiến phát biểu, các đồng chí đảng viên đều nêu rõ nhận thức "
        "của cá nhân mình trong việc thực hiện Chỉ thị số 24 của Thành uỷ và việc tổ "
        "chức sinh hoạt chính trị, tư tưởng thực hiện Chỉ thị số 24 là hết sức cần "
        "thiết, nhằm nâng cao nhận thức, ý thức chấp hành kỷ cương, kỷ luật và \xa0ý thức "
        "trách nhiệm trong thực thi nhiệm vụ đối với người đứng đầu chi bộ và đảng viên."
    ),
    (
        "Phát biểu chỉ đạo, đồng chí Nguyễn Thị Loan - Ủy viên Ban thường vụ, Chủ tịch "
        "Ủy ban MTTQ phường đã nhấn mạnh một số nội dung của Chỉ thị 24 cần quan tâm. "
        "Chi bộ tổ dân phố số 2 đã nghiêm túc thực hiện buổi sinh hoạt chính trị, thông "
        "qua đợt sinh hoạt chính trị tư tưởng, cần đề ra những giải pháp có tính khả thi "
        "nhằm nâng cao chất lượng, hiệu quả công việc ngày càng tốt hơn."
    ),
    (
        "Tiếp thu ý kiến chỉ đạo của đồng chí lãnh đạo, \xa0đồng chí Bí thư cho bộ khẳng "
        "định\xa0 trong thời gian tới, chi bộ tiếp tục\xa0thực hiện nghiêm nguyên tắc tập "
        "trung dân chủ, nâng cao chất lượng, hiệu quả trong công tác chỉ đạo điều hành "
        "triển khai các nhiệm vụ chính trị của địa phương. Chỉ đạo đảng viên chi bộ thực "
        "hiện nghiêm túc và đẩy mạnh công tác tuyên truyền về thực hiện Chỉ thị 24 - "
        "CT/TU của Ban thường vụ Thành uỷ./."
    ),
]
